#!/usr/bin/env python3
"""Evaluate the exported model (models/tiny-layerskip) on the test split.

* perplexity of the full model and of the early exit after every layer (final rmsnorm + lm_head
  applied to that layer's output), on non-overlapping 256-token windows of test.bin
  (each window is scored from scratch: 257 tokens -> 256 predictions)
* top-1 agreement of every exit with the full model's argmax (an upper-bound proxy for the
  greedy acceptance rate of self-speculative decoding)
* a unigram model (train-split token counts, add-one smoothing) on the same target tokens
* plot exit_perplexity.png, eval.json, and 3 sample generations (seeded sampling)

Usage: python3 training/evaluate.py [--model-dir models/tiny-layerskip]
"""
import argparse
import json
import math
import os

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

from make_reference import load_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SAMPLE_PROMPTS = ["Once upon a time", "The president said that", "In the morning, the"]


@torch.no_grad()
def exit_perplexities(model, tokens, seq_len, batch_size=16):
    n_windows = (len(tokens) - 1) // seq_len
    L = model.cfg.n_layers
    nll = torch.zeros(L, dtype=torch.float64)
    agree = torch.zeros(L, dtype=torch.float64)
    count = 0
    for b in range(0, n_windows, batch_size):
        rows = [tokens[i * seq_len:i * seq_len + seq_len + 1] for i in range(b, min(n_windows, b + batch_size))]
        xy = torch.from_numpy(np.stack(rows).astype(np.int64))
        x, y = xy[:, :-1], xy[:, 1:]
        _, hidden = model(x, return_hidden=True)
        full_argmax = model.head(hidden[-1]).argmax(-1)
        for l, h in enumerate(hidden[1:]):
            logits = model.head(h)
            nll[l] += F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum").item()
            agree[l] += (logits.argmax(-1) == full_argmax).sum().item()
        count += y.numel()
    return torch.exp(nll / count).tolist(), (agree / count).tolist(), count, n_windows


def unigram_perplexity(train_tokens, test_tokens, vocab_size, seq_len, n_windows):
    counts = np.bincount(train_tokens, minlength=vocab_size).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    targets = np.concatenate([test_tokens[i * seq_len + 1:i * seq_len + seq_len + 1] for i in range(n_windows)])
    return float(np.exp(-logp[targets].mean()))


@torch.no_grad()
def sample(model, sp, prompt, n_tokens, temperature, top_k, seed, n_layers=None):
    gen = torch.Generator().manual_seed(seed)
    ids = [sp.bos_id()] + sp.encode(prompt)
    for _ in range(n_tokens):
        logits = model(torch.tensor([ids[-model.cfg.max_seq_len:]]), n_layers=n_layers)[0, -1]
        if temperature == 0:
            nxt = int(logits.argmax())
        else:
            v, i = torch.topk(logits / temperature, top_k)
            nxt = int(i[torch.multinomial(torch.softmax(v, -1), 1, generator=gen)])
        if nxt == sp.eos_id():
            break
        ids.append(nxt)
    return sp.decode(ids[1:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.path.join(ROOT, "models", "tiny-layerskip"))
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--max-windows", type=int, default=0, help="0 = the whole test split")
    args = ap.parse_args()
    torch.set_num_threads(2)

    model, cfg, hf, _ = load_model(args.model_dir)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.model_dir, "tokenizer.model"))
    test = np.fromfile(os.path.join(args.data, "test.bin"), dtype=np.uint16)
    train = np.fromfile(os.path.join(args.data, "train.bin"), dtype=np.uint16)
    if args.max_windows:
        test = test[:args.max_windows * args.seq_len + 1]

    ppl, agree, count, n_windows = exit_perplexities(model, test, args.seq_len)
    uni = unigram_perplexity(train, test, cfg.vocab_size, args.seq_len, n_windows)
    L = cfg.n_layers

    lines = ["| exit after layer | test perplexity | ratio to full | top-1 agreement with full |",
             "|---:|---:|---:|---:|"]
    for l in range(L):
        name = f"{l + 1}" + (" (full model)" if l == L - 1 else "")
        lines.append(f"| {name} | {ppl[l]:.2f} | {ppl[l] / ppl[-1]:.2f}x | {agree[l] * 100:.1f}% |")
    lines.append(f"| unigram (train counts, add-one) | {uni:.2f} | {uni / ppl[-1]:.2f}x | |")
    table = "\n".join(lines)
    print(f"test tokens scored: {count} ({n_windows} windows of {args.seq_len})")
    print(table)

    samples = []
    for i, prompt in enumerate(SAMPLE_PROMPTS):
        text = sample(model, sp, prompt, 60, temperature=0.8, top_k=40, seed=i)
        samples.append({"prompt": prompt, "seed": i, "temperature": 0.8, "top_k": 40, "text": text})
        print(f"\n[sample {i}, seed {i}, T=0.8, top-k 40] {text}")
    greedy_mid = sample(model, sp, SAMPLE_PROMPTS[0], 40, 0, 1, 0, n_layers=L // 2)
    greedy_full = sample(model, sp, SAMPLE_PROMPTS[0], 40, 0, 1, 0)
    print(f"\n[greedy, full model] {greedy_full}\n[greedy, exit after layer {L // 2}] {greedy_mid}")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=110)
    layers = list(range(1, L + 1))
    ax.plot(layers, ppl, "o-", label="early exit (final norm + lm_head)")
    ax.axhline(ppl[-1], color="gray", ls="--", lw=1, label=f"full model ({ppl[-1]:.1f})")
    ax.axhline(uni, color="red", ls=":", lw=1, label=f"unigram ({uni:.0f})")
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xlabel("exit after layer")
    ax.set_ylabel("test perplexity (log scale)")
    ax.set_title("tiny-layerskip: early-exit perplexity per layer")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(args.model_dir, "exit_perplexity.png"))

    result = {"test_tokens_scored": count, "windows": n_windows, "seq_len": args.seq_len,
              "exit_perplexity": ppl, "exit_top1_agreement_with_full": agree, "full_perplexity": ppl[-1],
              "unigram_perplexity": uni, "samples": samples,
              "greedy_full": greedy_full, f"greedy_exit_{L // 2}": greedy_mid, "table_markdown": table}
    with open(os.path.join(args.model_dir, "eval.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
