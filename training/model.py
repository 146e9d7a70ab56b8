"""A tiny Llama in plain PyTorch, computing exactly what Hugging Face LlamaForCausalLM computes.

* rmsnorm: x * rsqrt(mean(x^2) + eps) * weight, computed in fp32
* rope: rotary position embedding in the HF half-split ("rotate_half") layout, theta = rope_theta
* grouped-query attention: n_kv_heads < n_heads, each kv head shared by n_heads // n_kv_heads query heads
* swiglu FFN: down(silu(gate(x)) * up(x))
* no biases anywhere; the lm_head is UNTIED from the token embedding

LayerSkip additions (training only): per-sample layer dropout (the whole residual block of a
layer is skipped for a sample) and `forward(..., return_hidden=True)` returning every layer's
output so the shared final norm + lm_head can be applied as an early exit.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class LlamaConfig:
    vocab_size: int = 4096
    dim: int = 192
    n_layers: int = 12
    n_heads: int = 6
    n_kv_heads: int = 2
    ffn_hidden: int = 512
    max_seq_len: int = 256
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0

    @property
    def head_dim(self):
        return self.dim // self.n_heads

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rope_cos_sin(seq_len, head_dim, theta, device=None):
    """cos/sin tables [seq_len, head_dim] exactly as HF LlamaRotaryEmbedding builds them."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    t = torch.arange(seq_len, dtype=torch.float32)
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(device), emb.sin().to(device)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(q, k, cos, sin):
    # q, k: [batch, heads, seq, head_dim]; cos, sin: [seq, head_dim]
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


class Attention(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
        self.q_proj = nn.Linear(cfg.dim, cfg.n_heads * cfg.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.dim, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.dim, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.n_heads * cfg.head_dim, cfg.dim, bias=False)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rope(q, k, cos, sin)
        groups = self.n_heads // self.n_kv_heads  # grouped-query attention: repeat kv heads
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") \
            else _attention(q, k, v)
        return self.o_proj(y.transpose(1, 2).reshape(b, t, -1))


def _attention(q, k, v):
    t = q.shape[-2]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    mask = torch.full((t, t), float("-inf"), device=q.device).triu(1)
    return torch.softmax(scores + mask, dim=-1) @ v


class SwiGLU(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.dim, cfg.ffn_hidden, bias=False)
        self.up_proj = nn.Linear(cfg.dim, cfg.ffn_hidden, bias=False)
        self.down_proj = nn.Linear(cfg.ffn_hidden, cfg.dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.dim, cfg.rms_norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.dim, cfg.rms_norm_eps)
        self.mlp = SwiGLU(cfg)

    def forward(self, x, cos, sin):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return h + self.mlp(self.post_attention_layernorm(h))


class Llama(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.dim, cfg.rms_norm_eps)
        self.lm_head = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)  # untied
        cos, sin = rope_cos_sin(cfg.max_seq_len, cfg.head_dim, cfg.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init_weights)
        # GPT-2 style scaled init for the residual output projections
        for name, p in self.named_parameters():
            if name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def head(self, h):
        """The shared exit head: final rmsnorm + lm_head (used for the last layer and every early exit)."""
        return self.lm_head(self.norm(h))

    def forward(self, tokens, layer_keep=None, return_hidden=False, n_layers=None):
        """tokens [b, t] -> logits [b, t, vocab] of the full model (or of the first `n_layers`).

        layer_keep: optional bool tensor [n_layers, b]; False skips that layer's whole residual
                    block for that sample (LayerSkip layer dropout, training only).
        return_hidden: also return [embedding output, output of layer 1, ..., output of layer L].
        """
        t = tokens.shape[1]
        cos, sin = self.rope_cos[:t], self.rope_sin[:t]
        h = self.embed_tokens(tokens)
        hidden = [h]
        for i, layer in enumerate(self.layers[:n_layers]):
            if layer_keep is None:
                h = layer(h, cos, sin)
            else:
                keep = layer_keep[i]
                if keep.all():
                    h = layer(h, cos, sin)
                elif keep.any():
                    idx = keep.nonzero().squeeze(1)
                    h = h.index_copy(0, idx, layer(h[idx], cos, sin))
            hidden.append(h)
        logits = self.head(h)
        return (logits, hidden) if return_hidden else logits

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())
