#!/usr/bin/env python3
"""Train the tiny Llama with the LayerSkip recipe (Elhoushi et al. 2024, "LayerSkip: Enabling
Early Exit Inference and Self-Speculative Decoding").

Recipe
  * layer dropout: during training the whole residual block of layer l (0-based, L layers) is
    skipped per sample with probability  p_l = p_max * (exp(l * ln 2 / (L-1)) - 1),
    i.e. 0 at the first layer rising exponentially to p_max at the last (LayerSkip eq. for D(l)).
  * early-exit loss: the SHARED final rmsnorm + lm_head is applied to the output of every layer.
    Layer l's loss (0-based) gets weight  e(l) = e_scale * sum_{i=1..l+1} i  for l < L-1 and
    e(L-1) = (L-1) + e_scale * sum_{i=1..L-1} i  for the last layer (the paper's sums start at
    i=0, which would give the first layer's exit zero weight; we start at 1). The weights of the
    layers enabled at a step are normalised to sum to 1 (so later layers count more).
  * rotational curriculum: at step t the early exits enabled are the layers l < L-1 with
    l mod R == t mod R (R = --rotation); the last layer's loss is always on. With L=12, R=4 that
    is 2-3 extra head passes per step.
  * AdamW, linear warmup + cosine decay to 10%, gradient clipping. The cosine progress is
    max(step progress, wall-clock progress against --time-budget-min), so the LR still anneals
    fully if the machine is slower than planned and the time budget ends the run first.

Stops after --steps or when the wall-clock --time-budget-min (summed over resumed runs) is spent,
whichever comes first. Checkpoints (model, optimizer, step, RNG, elapsed time) go to
training/checkpoints/last.pt every --ckpt-min minutes and at the end; --resume continues from it.
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from model import Llama, LlamaConfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def layer_dropout_rates(n_layers, p_max):
    return [p_max * (math.exp(l * math.log(2) / (n_layers - 1)) - 1) for l in range(n_layers)]


def exit_weights(n_layers, e_scale):
    """Unnormalised LayerSkip early-exit loss scales e(l) for l = 0..L-1."""
    w = [e_scale * sum(range(1, l + 2)) for l in range(n_layers - 1)]
    w.append((n_layers - 1) + e_scale * sum(range(1, n_layers)))
    return w


def exit_layers_at(step, n_layers, rotation):
    """Rotational curriculum: early exits enabled at this step (the last layer is always on)."""
    return [l for l in range(n_layers - 1) if l % rotation == step % rotation] + [n_layers - 1]


def lr_at(step, elapsed_s, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    step_progress = (step - args.warmup) / max(1, args.steps - args.warmup)
    time_progress = elapsed_s / (args.time_budget_min * 60)
    progress = min(1.0, max(step_progress, time_progress))
    return args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * progress)))


class Batches:
    """Random windows of seq_len + 1 tokens from a uint16 token file."""

    def __init__(self, path, seq_len, batch_size, seed):
        self.data = np.memmap(path, dtype=np.uint16, mode="r")
        self.seq_len, self.batch_size = seq_len, batch_size
        self.gen = torch.Generator().manual_seed(seed)

    def next(self):
        starts = torch.randint(0, len(self.data) - self.seq_len - 1, (self.batch_size,), generator=self.gen)
        rows = [torch.from_numpy(self.data[s:s + self.seq_len + 1].astype(np.int64)) for s in starts.tolist()]
        x = torch.stack(rows)
        return x[:, :-1], x[:, 1:]


def fixed_windows(path, seq_len, n_windows):
    """Evenly spaced, non-overlapping windows (deterministic) for validation."""
    data = np.memmap(path, dtype=np.uint16, mode="r")
    n_windows = min(n_windows, (len(data) - 1) // (seq_len + 1))
    stride = (len(data) - 1) // n_windows
    rows = [torch.from_numpy(data[i * stride:i * stride + seq_len + 1].astype(np.int64)) for i in range(n_windows)]
    x = torch.stack(rows)
    return x[:, :-1], x[:, 1:]


@torch.no_grad()
def exit_losses(model, x, y, batch_size=16):
    """Mean cross-entropy of the early exit after every layer (index 0 = after layer 1)."""
    model.eval()
    totals = torch.zeros(model.cfg.n_layers, dtype=torch.float64)
    for i in range(0, len(x), batch_size):
        _, hidden = model(x[i:i + batch_size], return_hidden=True)
        for l, h in enumerate(hidden[1:]):
            logits = model.head(h)
            totals[l] += F.cross_entropy(logits.flatten(0, 1), y[i:i + batch_size].flatten(), reduction="sum").item()
    model.train()
    return (totals / y.numel()).tolist()


def set_threads_from_control_file(args):
    """The intra-op thread count can be changed while training runs by writing a number into
    <ckpt-dir>/threads (useful when other jobs compete for the CPU: OpenMP threads that wait on a
    descheduled sibling make 2 threads much slower than 1 on a busy 2-core machine)."""
    path = os.path.join(args.ckpt_dir, "threads")
    try:
        with open(path) as f:
            n = int(f.read().strip())
    except (OSError, ValueError):
        return
    if n > 0 and n != torch.get_num_threads():
        torch.set_num_threads(n)
        print(f"# threads set to {n}", flush=True)


def save_checkpoint(path, model, opt, step, tokens, elapsed, args, batches):
    state = {
        "model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "tokens": tokens,
        "elapsed": elapsed, "config": model.cfg.to_dict(), "args": vars(args),
        "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
                "batches": batches.gen.get_state()},
    }
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--ckpt-dir", default=os.path.join(HERE, "checkpoints"))
    ap.add_argument("--log", default=os.path.join(ROOT, "models", "tiny-layerskip", "train.log"))
    ap.add_argument("--dim", type=int, default=192)
    ap.add_argument("--n-layers", type=int, default=12)
    ap.add_argument("--n-heads", type=int, default=6)
    ap.add_argument("--n-kv-heads", type=int, default=2)
    ap.add_argument("--ffn-hidden", type=int, default=512)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--p-max", type=float, default=0.1, help="layer dropout rate at the last layer")
    ap.add_argument("--e-scale", type=float, default=1.0, help="early-exit loss scale")
    ap.add_argument("--rotation", type=int, default=4, help="rotational curriculum period R")
    ap.add_argument("--time-budget-min", type=float, default=108.0)
    ap.add_argument("--ckpt-min", type=float, default=5.0)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--eval-windows", type=int, default=48)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    os.makedirs(os.path.dirname(args.log), exist_ok=True)
    ckpt_path = os.path.join(args.ckpt_dir, "last.pt")

    cfg = LlamaConfig(vocab_size=args.vocab, dim=args.dim, n_layers=args.n_layers, n_heads=args.n_heads,
                      n_kv_heads=args.n_kv_heads, ffn_hidden=args.ffn_hidden, max_seq_len=args.seq_len)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    model = Llama(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    batches = Batches(os.path.join(args.data, "train.bin"), args.seq_len, args.batch_size, args.seed)
    step, tokens, elapsed_before = 0, 0, 0.0

    log = open(args.log, "a", buffering=1)

    def say(msg):
        print(msg, flush=True)
        log.write(msg + "\n")

    if args.resume and os.path.exists(ckpt_path):
        state = torch.load(ckpt_path)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, tokens, elapsed_before = state["step"], state["tokens"], state["elapsed"]
        torch.set_rng_state(state["rng"]["torch"])
        np.random.set_state(state["rng"]["numpy"])
        random.setstate(state["rng"]["python"])
        batches.gen.set_state(state["rng"]["batches"])
        say(f"# resumed from {ckpt_path} at step {step}, tokens {tokens}, elapsed {elapsed_before:.0f}s")
        say(f"# args {json.dumps(vars(args))}")
    else:
        say(f"# config {json.dumps(cfg.to_dict())}")
        say(f"# args {json.dumps(vars(args))}")
        say(f"# parameters {model.num_parameters()}")

    L = cfg.n_layers
    drop_rates = torch.tensor(layer_dropout_rates(L, args.p_max))
    e_weights = exit_weights(L, args.e_scale)
    say(f"# layer dropout rates {[round(p, 4) for p in drop_rates.tolist()]}")
    say(f"# exit loss scales e(l) {e_weights}")
    val_x, val_y = fixed_windows(os.path.join(args.data, "valid.bin"), args.seq_len, args.eval_windows)

    budget_s = args.time_budget_min * 60
    start = time.time()
    last_ckpt = start
    elapsed = lambda: elapsed_before + time.time() - start
    model.train()
    loss_sum, loss_n, t_log = 0.0, 0, time.time()
    while step < args.steps and elapsed() < budget_s:
        lr = lr_at(step, elapsed(), args)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batches.next()
        layer_keep = torch.rand(L, x.shape[0]) >= drop_rates[:, None]
        _, hidden = model(x, layer_keep=layer_keep, return_hidden=True)
        exits = exit_layers_at(step, L, args.rotation)
        norm = sum(e_weights[l] for l in exits)
        loss, last_loss = 0.0, None
        for l in exits:
            ce = F.cross_entropy(model.head(hidden[l + 1]).flatten(0, 1), y.flatten())
            loss = loss + (e_weights[l] / norm) * ce
            if l == L - 1:
                last_loss = ce.item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip).item()
        opt.step()
        step += 1
        tokens += y.numel()
        loss_sum += last_loss
        loss_n += 1

        if step % args.log_every == 0:
            set_threads_from_control_file(args)
            dt = (time.time() - t_log) / loss_n
            say(f"step {step} loss {loss_sum / loss_n:.4f} total_loss {loss.item():.4f} lr {lr:.2e} "
                f"grad_norm {grad_norm:.3f} tokens {tokens} elapsed {elapsed():.0f}s s/step {dt:.2f}")
            loss_sum, loss_n, t_log = 0.0, 0, time.time()
        if step % args.eval_every == 0 or step == args.steps:
            losses = exit_losses(model, val_x, val_y)
            say(f"eval step {step} tokens {tokens} elapsed {elapsed():.0f}s val_exit_loss "
                + " ".join(f"{v:.3f}" for v in losses)
                + " | val_exit_ppl " + " ".join(f"{math.exp(v):.1f}" for v in losses))
            t_log = time.time()
        if time.time() - last_ckpt > args.ckpt_min * 60:
            save_checkpoint(ckpt_path, model, opt, step, tokens, elapsed(), args, batches)
            last_ckpt = time.time()

    save_checkpoint(ckpt_path, model, opt, step, tokens, elapsed(), args, batches)
    reason = "steps done" if step >= args.steps else "time budget spent"
    say(f"# stopped ({reason}) at step {step}, tokens {tokens}, elapsed {elapsed():.0f}s; checkpoint {ckpt_path}")


if __name__ == "__main__":
    main()
