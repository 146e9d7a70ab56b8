#!/usr/bin/env python3
"""The PyTorch side of the GPU comparison (issue #8): the same weights, the same measurement.

  torch_bench.py make DIR [--shape 1b|110m|tiny] [--dtype f16|bf16]   # random Llama weights in HF layout
  torch_bench.py bench DIR [--device cuda] [--pp 64] [--tg 32] [--runs 3] [--warmup 2]
  torch_bench.py check MODEL_DIR [--device cpu]   # the plain model's greedy tokens vs the embedded model's fixture

`make` writes config.json (HF LlamaForCausalLM keys), model.safetensors (normal(0, 0.02) matrices,
unit norms, seeded) and a tokenizer.model copied from the embedded model, so that skipllama loads the
directory too (`skipllama bench --model DIR --backend cuda`). Random weights: speed only.

`bench` measures prompt processing (pp random tokens in one pass) and generation (tg tokens one at a
time, KV cache, greedy), medians of --runs after --warmup, like llama-bench and `skipllama bench`.
It uses Hugging Face transformers' LlamaForCausalLM in eager mode when transformers is installed,
otherwise the plain PyTorch Llama below (the same math, HF semantics, with a KV cache); it says
which. It also prints the weight bytes read per generated token and the device's copy bandwidth,
so tok/s can be read against the memory-bandwidth limit.
"""
import argparse
import json
import math
import os
import shutil
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
for p in (HERE, os.path.join(HERE, "..", "..", "training")):
    if os.path.exists(os.path.join(p, "safetensors_io.py")):
        sys.path.insert(0, p)
import safetensors_io  # noqa: E402

SHAPES = {  # hidden, ffn, layers, heads, kv heads, vocab, context
    "1b": (2048, 8192, 16, 32, 8, 128256, 4096),      # Llama-3.2-1B
    "110m": (768, 2048, 12, 12, 12, 32000, 1024),     # Llama-2-style 110M
    "tiny": (256, 512, 4, 8, 2, 4096, 256),           # for checking the script itself
}


def make(out, shape, dtype):
    d, ff, layers, heads, kv, vocab, ctx = SHAPES[shape]
    os.makedirs(out, exist_ok=True)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": d,
              "intermediate_size": ff, "num_hidden_layers": layers, "num_attention_heads": heads,
              "num_key_value_heads": kv, "vocab_size": vocab, "max_position_embeddings": ctx,
              "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": False,
              "hidden_act": "silu", "torch_dtype": "float16" if dtype == "f16" else "bfloat16",
              "bos_token_id": 1, "eos_token_id": 2}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    rng = np.random.default_rng(7)
    hd = d // heads
    npdt = np.float16

    def mat(rows, cols):
        return (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(npdt)

    t = {"model.embed_tokens.weight": mat(vocab, d)}
    for l in range(layers):
        p = f"model.layers.{l}."
        t[p + "input_layernorm.weight"] = np.ones(d, np.float32)
        t[p + "self_attn.q_proj.weight"] = mat(heads * hd, d)
        t[p + "self_attn.k_proj.weight"] = mat(kv * hd, d)
        t[p + "self_attn.v_proj.weight"] = mat(kv * hd, d)
        t[p + "self_attn.o_proj.weight"] = mat(d, heads * hd)
        t[p + "post_attention_layernorm.weight"] = np.ones(d, np.float32)
        t[p + "mlp.gate_proj.weight"] = mat(ff, d)
        t[p + "mlp.up_proj.weight"] = mat(ff, d)
        t[p + "mlp.down_proj.weight"] = mat(d, ff)
    t["model.norm.weight"] = np.ones(d, np.float32)
    t["lm_head.weight"] = mat(vocab, d)
    if dtype == "bf16":  # safetensors_io writes F16/F32; BF16 is F32 with the low half dropped
        raise SystemExit("bf16: write F16 and convert with `skipllama convert --type BF16` for the GGUF side")
    safetensors_io.save(os.path.join(out, "model.safetensors"), t, {"format": "pt"})
    tok = None
    for cand in (os.path.join(HERE, "..", "..", "models", "tiny-layerskip", "tokenizer.model"),
                 os.path.join(HERE, "models", "tiny-layerskip", "tokenizer.model")):
        if os.path.exists(cand):
            tok = cand
    if tok:
        shutil.copy(tok, os.path.join(out, "tokenizer.model"))
    n = sum(a.size for a in t.values())
    print(f"wrote {out}: {shape} shape, {n / 1e6:.0f} M parameters, {dtype}")


class PlainLlama(torch.nn.Module):
    """HF Llama semantics in plain PyTorch with a preallocated KV cache (one sequence)."""

    def __init__(self, cfg, tensors, device, dtype):
        super().__init__()
        self.cfg = cfg
        g = lambda k: torch.from_numpy(tensors[k].astype(np.float32)).to(device=device, dtype=dtype)  # noqa: E731
        self.d, self.L = cfg["hidden_size"], cfg["num_hidden_layers"]
        self.H, self.KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.hd = self.d // self.H
        self.eps = cfg["rms_norm_eps"]
        self.emb = g("model.embed_tokens.weight")
        self.layers = []
        for l in range(self.L):
            p = f"model.layers.{l}."
            self.layers.append({k: g(p + n) for k, n in (
                ("an", "input_layernorm.weight"), ("q", "self_attn.q_proj.weight"), ("k", "self_attn.k_proj.weight"),
                ("v", "self_attn.v_proj.weight"), ("o", "self_attn.o_proj.weight"), ("fn", "post_attention_layernorm.weight"),
                ("g", "mlp.gate_proj.weight"), ("u", "mlp.up_proj.weight"), ("dn", "mlp.down_proj.weight"))})
        self.norm = g("model.norm.weight")
        self.head = g("lm_head.weight") if "lm_head.weight" in tensors else self.emb
        ctx = cfg["max_position_embeddings"]
        inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd))
        ang = torch.arange(ctx, dtype=torch.float32)[:, None] * inv[None, :]
        self.cos = torch.cat([ang.cos(), ang.cos()], -1).to(device)
        self.sin = torch.cat([ang.sin(), ang.sin()], -1).to(device)
        self.kc = torch.zeros(self.L, self.KV, ctx, self.hd, device=device, dtype=dtype)
        self.vc = torch.zeros_like(self.kc)

    def rms(self, x, w):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype) * w

    def rope(self, x, pos):  # x [heads, n, hd], HF rotate_half layout
        c, s = self.cos[pos].to(x.dtype), self.sin[pos].to(x.dtype)
        h = self.hd // 2
        rot = torch.cat([-x[..., h:], x[..., :h]], -1)
        return x * c + rot * s

    @torch.no_grad()
    def forward(self, ids, pos0):
        n = ids.shape[0]
        pos = torch.arange(pos0, pos0 + n, device=ids.device)
        h = self.emb[ids]
        rep = self.H // self.KV
        for l, w in enumerate(self.layers):
            x = self.rms(h, w["an"])
            q = (x @ w["q"].T).view(n, self.H, self.hd).transpose(0, 1)
            k = (x @ w["k"].T).view(n, self.KV, self.hd).transpose(0, 1)
            v = (x @ w["v"].T).view(n, self.KV, self.hd).transpose(0, 1)
            q, k = self.rope(q, pos), self.rope(k, pos)
            self.kc[l, :, pos0:pos0 + n] = k
            self.vc[l, :, pos0:pos0 + n] = v
            K = self.kc[l, :, :pos0 + n].repeat_interleave(rep, 0)
            V = self.vc[l, :, :pos0 + n].repeat_interleave(rep, 0)
            att = (q.float() @ K.float().transpose(1, 2)) / math.sqrt(self.hd)
            mask = torch.arange(pos0 + n, device=ids.device)[None, :] > pos[:, None]
            att = att.masked_fill(mask[None], float("-inf")).softmax(-1).to(h.dtype)
            o = (att @ V).transpose(0, 1).reshape(n, self.d)
            h = h + o @ w["o"].T
            x = self.rms(h, w["fn"])
            h = h + (torch.nn.functional.silu(x @ w["g"].T) * (x @ w["u"].T)) @ w["dn"].T
        return self.rms(h[-1:], self.norm) @ self.head.T


def bench(path, device, pp, tg, runs, warmup):
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    dtype = torch.float16 if device.startswith("cuda") else torch.float32  # CPU PyTorch has no half matmul
    sync = (lambda: torch.cuda.synchronize()) if device.startswith("cuda") else (lambda: None)  # noqa: E731
    try:
        from transformers import LlamaForCausalLM  # noqa: F401
        impl = "transformers"
    except ImportError:
        impl = "plain"
    tensors, _ = safetensors_io.load(os.path.join(path, "model.safetensors"))
    weight_bytes = sum(a.nbytes for k, a in tensors.items() if k != "model.embed_tokens.weight")
    if impl == "transformers":
        from transformers import LlamaForCausalLM
        model = LlamaForCausalLM.from_pretrained(path, torch_dtype=dtype, attn_implementation="eager").to(device).eval()
        del tensors

        def run():
            ids = torch.randint(0, cfg["vocab_size"], (1, pp), device=device)
            sync(); t0 = time.perf_counter()
            with torch.no_grad():
                out = model(ids, use_cache=True)
                past, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
                sync(); t1 = time.perf_counter()
                for _ in range(tg):
                    out = model(nxt, past_key_values=past, use_cache=True)
                    past, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
                sync(); t2 = time.perf_counter()
            return pp / (t1 - t0), tg / (t2 - t1)
    else:
        model = PlainLlama(cfg, tensors, device, dtype)
        del tensors

        def run():
            ids = torch.randint(0, cfg["vocab_size"], (pp,), device=device)
            sync(); t0 = time.perf_counter()
            nxt = model(ids, 0).argmax(-1)
            sync(); t1 = time.perf_counter()
            for i in range(tg):
                nxt = model(nxt, pp + i).argmax(-1)
            sync(); t2 = time.perf_counter()
            return pp / (t1 - t0), tg / (t2 - t1)

    for _ in range(warmup):
        run()
    res = [run() for _ in range(runs)]
    ppm, tgm = statistics.median(r[0] for r in res), statistics.median(r[1] for r in res)
    print(f"pytorch ({impl}, eager, {str(dtype)[6:]}) on {device}: pp{pp} {ppm:.2f} tok/s  tg{tg} {tgm:.2f} tok/s  "
          f"(runs: pp {[round(r[0], 1) for r in res]} tg {[round(r[1], 1) for r in res]})")
    gbs = weight_bytes / 1e9
    print(f"weights read per generated token: {gbs:.3f} GB (all matrices but the embedding)")
    if device.startswith("cuda"):
        a = torch.empty(256 << 20, dtype=torch.uint8, device=device)
        b = torch.empty_like(a)
        for _ in range(3):
            b.copy_(a)
        sync(); t0 = time.perf_counter()
        for _ in range(10):
            b.copy_(a)
        sync(); bw = 10 * 2 * a.numel() / (time.perf_counter() - t0) / 1e9  # read + write
        print(f"device copy bandwidth: {bw:.0f} GB/s (read+write); generation at {tgm * gbs:.0f} GB/s of weights "
              f"= {100 * tgm * gbs / bw:.0f}% of it")


def check(path, device):
    """Greedy decoding of the reference prompts with PlainLlama against the PyTorch fixture's tokens."""
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(path, "reference", "reference.json")) as f:
        ref = json.load(f)
    tensors, _ = safetensors_io.load(os.path.join(path, "model.safetensors"))
    dtype = torch.float16 if device.startswith("cuda") else torch.float32
    model = PlainLlama(cfg, tensors, device, dtype)
    same = total = 0
    for p in ref["prompts"]:
        ids, want = p["token_ids"], p["greedy_token_ids"]
        got = [int(model(torch.tensor(ids, device=device), 0).argmax(-1))]
        for i in range(len(want) - 1):
            got.append(int(model(torch.tensor(got[-1:], device=device), len(ids) + i).argmax(-1)))
        same += sum(a == b for a, b in zip(got, want))
        total += len(want)
        print(f"prompt {p['index']}: {sum(a == b for a, b in zip(got, want))}/{len(want)} greedy tokens equal the fixture's")
    print(f"plain PyTorch Llama ({str(dtype)[6:]}, {device}) vs the fp32 fixture: {same}/{total}")
    return same == total


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--shape", default="1b", choices=sorted(SHAPES))
    m.add_argument("--dtype", default="f16", choices=["f16", "bf16"])
    b = sub.add_parser("bench")
    b.add_argument("dir")
    b.add_argument("--device", default="cuda")
    b.add_argument("--pp", type=int, default=64)
    b.add_argument("--tg", type=int, default=32)
    b.add_argument("--runs", type=int, default=3)
    b.add_argument("--warmup", type=int, default=2)
    c = sub.add_parser("check")
    c.add_argument("dir")
    c.add_argument("--device", default="cpu")
    a = ap.parse_args()
    if a.cmd == "check":
        sys.exit(0 if check(a.dir, a.device) else 1)
    if a.cmd == "make":
        make(a.dir, a.shape, a.dtype)
    else:
        bench(a.dir, a.device, a.pp, a.tg, a.runs, a.warmup)


if __name__ == "__main__":
    main()
