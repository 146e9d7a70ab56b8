#!/usr/bin/env python3
"""Reference perplexity for the Java evaluator (skip/ Perplexity, `skipllama eval`), computed in fp32
PyTorch from the exported weights.

Text: lines 20..39 of models/tiny-layerskip/eval/heldout.txt joined with "\\n", encoded as BOS +
sp.encode(text). Windows of WINDOW tokens, each scoring all but its first token (the window's first
token is its only context), the mean negative log-likelihood over every scored token.

Writes models/tiny-layerskip/reference/perplexity.json: the text, its token ids, the window, the
number of scored tokens, the total NLL and the perplexity (plus the same for an early exit after
EXIT_LAYER layers through the shared final norm + LM head, which a fixed exit must reproduce).

Usage: python3 training/perplexity_reference.py [--model-dir models/tiny-layerskip]
"""
import argparse
import json
import math
import os

import sentencepiece as spm
import torch

from make_reference import load_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WINDOW = 200
EXIT_LAYER = 6


def window_nll(model, ids, exit_layer=None):
    x = torch.tensor([ids])
    with torch.no_grad():
        logits = model(x, n_layers=exit_layer)  # the first n layers, then the shared final norm + LM head
    logp = torch.log_softmax(logits[0].double(), dim=-1)
    return -sum(logp[t, ids[t + 1]].item() for t in range(len(ids) - 1)), len(ids) - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.path.join(ROOT, "models", "tiny-layerskip"))
    args = ap.parse_args()
    model, cfg, hf, _ = load_model(args.model_dir)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.model_dir, "tokenizer.model"))
    with open(os.path.join(args.model_dir, "eval", "heldout.txt"), encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    text = "\n".join(lines[20:40])
    ids = [sp.bos_id()] + sp.encode(text)
    result = {"text": text, "ids": ids, "window": WINDOW}
    for name, layer in (("full", None), ("exit", EXIT_LAYER)):
        nll, n = 0.0, 0
        for start in range(0, len(ids) - 1, WINDOW):
            w = ids[start:start + WINDOW]
            if len(w) < 2:
                continue
            a, b = window_nll(model, w, layer)
            nll += a
            n += b
        result[name] = {"layers": layer or cfg.n_layers, "scored": n, "nll": nll, "perplexity": math.exp(nll / n)}
        print(name, result[name])
    with open(os.path.join(args.model_dir, "reference", "perplexity.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
