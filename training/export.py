#!/usr/bin/env python3
"""Export a training checkpoint as a Hugging Face style Llama model directory:
config.json, model.safetensors (HF tensor names, [out_features, in_features] weights) and
tokenizer.model, into models/tiny-layerskip/.

Weights are stored as F16 when the F32 total would exceed --max-f32-mb (default 25), else F32.
The exported file is read back and compared with the checkpoint.

Usage: python3 training/export.py [--ckpt training/checkpoints/last.pt] [--out models/tiny-layerskip]
"""
import argparse
import json
import os
import shutil

import numpy as np
import torch

import safetensors_io

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def hf_name(name):
    """Our parameter names -> Hugging Face LlamaForCausalLM names."""
    return name if name == "lm_head.weight" else "model." + name


def hf_config(cfg, dtype):
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": cfg["dim"],
        "intermediate_size": cfg["ffn_hidden"],
        "num_hidden_layers": cfg["n_layers"],
        "num_attention_heads": cfg["n_heads"],
        "num_key_value_heads": cfg["n_kv_heads"],
        "head_dim": cfg["dim"] // cfg["n_heads"],
        "hidden_act": "silu",
        "rms_norm_eps": cfg["rms_norm_eps"],
        "rope_theta": cfg["rope_theta"],
        "rope_scaling": None,
        "max_position_embeddings": cfg["max_seq_len"],
        "vocab_size": cfg["vocab_size"],
        "bos_token_id": 1,
        "eos_token_id": 2,
        "pad_token_id": None,
        "tie_word_embeddings": False,
        "attention_bias": False,
        "mlp_bias": False,
        "initializer_range": 0.02,
        "torch_dtype": dtype,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "checkpoints", "last.pt"))
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "tiny-layerskip"))
    ap.add_argument("--tokenizer", default=os.path.join(HERE, "data", "tokenizer.model"))
    ap.add_argument("--max-f32-mb", type=float, default=25.0)
    args = ap.parse_args()

    state = torch.load(args.ckpt, map_location="cpu")
    cfg = state["config"]
    params = {hf_name(k): v.float().numpy() for k, v in state["model"].items()}
    n_params = sum(v.size for v in params.values())
    use_f16 = n_params * 4 / 1e6 > args.max_f32_mb
    dtype = np.float16 if use_f16 else np.float32
    order = ["model.embed_tokens.weight"]
    for i in range(cfg["n_layers"]):
        p = f"model.layers.{i}."
        order += [p + "input_layernorm.weight", p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight",
                  p + "self_attn.v_proj.weight", p + "self_attn.o_proj.weight", p + "post_attention_layernorm.weight",
                  p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight", p + "mlp.down_proj.weight"]
    order += ["model.norm.weight", "lm_head.weight"]
    assert sorted(order) == sorted(params), set(order) ^ set(params)
    tensors = {name: params[name].astype(dtype) for name in order}

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.safetensors")
    safetensors_io.save(path, tensors, metadata={
        "format": "pt", "step": state["step"], "tokens_seen": state["tokens"],
        "training_seconds": round(state["elapsed"]), "source": "skipllama training/train.py (LayerSkip recipe)"})
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(hf_config(cfg, "float16" if use_f16 else "float32"), f, indent=2)
        f.write("\n")
    shutil.copyfile(args.tokenizer, os.path.join(args.out, "tokenizer.model"))

    # read back and check
    loaded, meta = safetensors_io.load(path)
    assert list(loaded) == order, "tensor order/name mismatch"
    for name in order:
        assert loaded[name].dtype == dtype and loaded[name].shape == params[name].shape, name
        err = np.abs(loaded[name].astype(np.float32) - params[name]).max()
        tol = 1e-3 * max(1.0, np.abs(params[name]).max()) if use_f16 else 0.0
        assert err <= tol, (name, err)
    print(f"exported {len(order)} tensors, {n_params} parameters as {'F16' if use_f16 else 'F32'} "
          f"({os.path.getsize(path) / 1e6:.1f} MB) from step {state['step']} to {args.out}; metadata {meta}")


if __name__ == "__main__":
    main()
