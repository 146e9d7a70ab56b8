#!/usr/bin/env python3
"""Reference fixtures for the Java decoder, computed in fp32 from the EXPORTED weights
(models/tiny-layerskip/model.safetensors, F16 weights converted to fp32 if stored as F16).

Writes models/tiny-layerskip/reference/:
  reference.json         prompts, token ids (BOS + sp.encode), 32 greedy tokens (full model, argmax,
                         stops only at EOS), precision, model config, tensor index
  reference.safetensors  F32 tensors per prompt p:
      p{p}.logits_last  [4, vocab]          full-model logits at the last 4 prompt positions
      p{p}.exit_logits  [n_layers, vocab]   final norm + lm_head on the hidden state after layer
                                            l = 1..L at the last prompt position (row L-1 = full logits)
      p{p}.hidden_last  [n_layers + 1, dim] embedding output and the output of every layer at the
                                            last prompt position

The PyTorch model (model.py) is cross-checked against an independent NumPy forward pass that
reads the safetensors file directly.

Usage: python3 training/make_reference.py [--model-dir models/tiny-layerskip]
"""
import argparse
import json
import os
import re

import numpy as np
import sentencepiece as spm
import torch

import safetensors_io
from model import Llama, LlamaConfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

N_GENERATE = 32
K_LAST = 4


def test_sentence():
    """A fixed sentence from the test split: the first test line with 60..160 characters."""
    with open(os.path.join(HERE, "data", "test.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if 60 <= len(line) <= 160:
                return line
    raise RuntimeError("no suitable test sentence")


def prompts():
    return [
        "Once upon a time, there was a little girl named Lily.",
        test_sentence(),
        "In 1961 the budget rose 3.5% to $12,480 (see p. 42); 7 of 9 voted yes!",
        "The café in Zürich served crème brûlée to the naïve tourists.",
    ]


def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        hf = json.load(f)
    cfg = LlamaConfig(vocab_size=hf["vocab_size"], dim=hf["hidden_size"], n_layers=hf["num_hidden_layers"],
                      n_heads=hf["num_attention_heads"], n_kv_heads=hf["num_key_value_heads"],
                      ffn_hidden=hf["intermediate_size"], max_seq_len=hf["max_position_embeddings"],
                      rms_norm_eps=hf["rms_norm_eps"], rope_theta=hf["rope_theta"])
    tensors, _ = safetensors_io.load(os.path.join(model_dir, "model.safetensors"))
    weights = {k: v.astype(np.float32) for k, v in tensors.items()}
    model = Llama(cfg)
    state = {(k if k == "lm_head.weight" else k[len("model."):]): torch.from_numpy(v) for k, v in weights.items()}
    model.load_state_dict(state)
    model.eval()
    return model, cfg, hf, weights


def numpy_forward(w, cfg, ids):
    """Independent float64 NumPy Llama forward (HF semantics); returns the logits at every position."""
    def rmsnorm(x, g):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + cfg.rms_norm_eps) * g

    def rope(x, pos):  # x [heads, t, hd], half-split rotate_half layout
        hd = x.shape[-1]
        inv = 1.0 / cfg.rope_theta ** (np.arange(0, hd, 2) / hd)
        ang = np.concatenate([np.outer(pos, inv)] * 2, axis=-1)
        rot = np.concatenate([-x[..., hd // 2:], x[..., :hd // 2]], axis=-1)
        return x * np.cos(ang) + rot * np.sin(ang)

    w = {k: v.astype(np.float64) for k, v in w.items()}
    t, hd, nh, nkv = len(ids), cfg.head_dim, cfg.n_heads, cfg.n_kv_heads
    pos = np.arange(t)
    x = w["model.embed_tokens.weight"][ids]
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for i in range(cfg.n_layers):
        p = f"model.layers.{i}."
        h = rmsnorm(x, w[p + "input_layernorm.weight"])
        q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(t, nh, hd).transpose(1, 0, 2)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(t, nkv, hd).transpose(1, 0, 2)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(t, nkv, hd).transpose(1, 0, 2)
        q, k = rope(q, pos), rope(k, pos)
        out = np.empty((nh, t, hd))
        for head in range(nh):
            kv = head // (nh // nkv)
            s = q[head] @ k[kv].T / np.sqrt(hd) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            out[head] = (s / s.sum(-1, keepdims=True)) @ v[kv]
        x = x + out.transpose(1, 0, 2).reshape(t, nh * hd) @ w[p + "self_attn.o_proj.weight"].T
        h = rmsnorm(x, w[p + "post_attention_layernorm.weight"])
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        x = x + ((gate / (1 + np.exp(-gate))) * up) @ w[p + "mlp.down_proj.weight"].T
    return rmsnorm(x, w["model.norm.weight"]) @ w["lm_head.weight"].T


@torch.no_grad()
def greedy(model, ids, n, eos_id):
    ids = list(ids)
    out = []
    for _ in range(n):
        logits = model(torch.tensor([ids[-model.cfg.max_seq_len:]]))
        nxt = int(logits[0, -1].argmax())
        out.append(nxt)
        ids.append(nxt)
        if nxt == eos_id:
            break
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.path.join(ROOT, "models", "tiny-layerskip"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    out_dir = os.path.join(args.model_dir, "reference")
    os.makedirs(out_dir, exist_ok=True)

    model, cfg, hf, weights = load_model(args.model_dir)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.model_dir, "tokenizer.model"))
    entries, tensors = [], {}
    for p, text in enumerate(prompts()):
        ids = [sp.bos_id()] + sp.encode(text)
        x = torch.tensor([ids])
        with torch.no_grad():
            logits, hidden = model(x, return_hidden=True)
            exit_logits = torch.stack([model.head(h)[0, -1] for h in hidden[1:]])
        assert torch.equal(exit_logits[-1], logits[0, -1]), "last exit must equal the full logits"
        ref = numpy_forward(weights, cfg, ids)
        diff = float(np.abs(ref - logits[0].double().numpy()).max())
        assert diff < 1e-3, f"numpy/torch mismatch {diff}"
        generated = greedy(model, ids, N_GENERATE, sp.eos_id())
        tensors[f"p{p}.logits_last"] = logits[0, -K_LAST:].numpy().astype(np.float32)
        tensors[f"p{p}.exit_logits"] = exit_logits.numpy().astype(np.float32)
        tensors[f"p{p}.hidden_last"] = torch.stack([h[0, -1] for h in hidden]).numpy().astype(np.float32)
        entries.append({
            "index": p, "prompt": text, "token_ids": ids, "pieces": [sp.id_to_piece(i) for i in ids],
            "greedy_token_ids": generated, "greedy_text": sp.decode(generated),
            "exit_argmax_last": [int(i) for i in exit_logits.argmax(-1)],
            "max_abs_diff_vs_numpy_float64": diff,
        })
        print(f"p{p}: {len(ids)} tokens, numpy diff {diff:.2e}, greedy: {sp.decode(generated)!r}")

    safetensors_io.save(os.path.join(out_dir, "reference.safetensors"), tensors,
                        metadata={"precision": "fp32", "k_last": K_LAST})
    doc = {
        "description": "Reference outputs of models/tiny-layerskip computed with PyTorch in fp32 from the exported "
                       "weights (F16 weights widened to fp32). Tensors in reference.safetensors: p{i}.logits_last "
                       "[k_last, vocab] full-model logits at the last k_last prompt positions; p{i}.exit_logits "
                       "[n_layers, vocab] final norm + lm_head after layer 1..L at the last prompt position; "
                       "p{i}.hidden_last [n_layers+1, dim] embedding output and every layer's output at the last "
                       "prompt position. greedy_token_ids: argmax decoding with the full model, no EOS stop "
                       "unless produced; token_ids = BOS + sentencepiece encode(prompt).",
        "precision": "fp32",
        "weights_dtype": hf["torch_dtype"],
        "k_last": K_LAST,
        "n_generate": N_GENERATE,
        "config": hf,
        "prompts": entries,
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    # keep flat lists (token ids, pieces) on one line
    text = re.sub(r"\[\n\s*([^\[\]{}]*?)\n\s*\]", lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text)
    assert json.loads(text) == doc
    with open(os.path.join(out_dir, "reference.json"), "w", encoding="utf-8") as f:
        f.write(text + "\n")
    size = os.path.getsize(os.path.join(out_dir, "reference.safetensors"))
    print(f"wrote {out_dir} ({size / 1e6:.2f} MB tensors)")


if __name__ == "__main__":
    main()
