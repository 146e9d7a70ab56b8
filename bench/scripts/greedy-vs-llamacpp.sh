#!/usr/bin/env bash
# Greedy text of our engine against llama.cpp's llama-simple on the same GGUF files, prompt by prompt:
# the first words of each of the first N held-out lines of the embedded model, 32 tokens each.
#   LLAMA_BIN=/path/to/llama.cpp/build/bin bench/scripts/greedy-vs-llamacpp.sh MODEL.gguf [MODEL.gguf ...]
# Make the files with `bin/skipllama convert models/tiny-layerskip OUT.gguf --type Q8_0` (or Q4_0, F32).
# KV_TYPE=f16 runs ours with --kv-type f16, the KV cache and attention arithmetic llama-simple uses (its
# defaults: F16 cache, flash attention); the default f32 keeps ours as computed.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
bin=${LLAMA_BIN:?set LLAMA_BIN to llama.cpp build/bin}
n=${PROMPTS:-24}
tokens=${TOKENS:-32}
kv=${KV_TYPE:-f32}
mapfile -t prompts < <(head -n "$n" models/tiny-layerskip/eval/heldout.txt | awk '{ w = (NR % 3) + 3; s = $1; for (i = 2; i <= w && i <= NF; i++) s = s " " $i; print s }')
for model in "$@"; do
  same=0; total=0
  for p in "${prompts[@]}"; do
    ours=$(bin/skipllama generate --model "$model" --prompt "$p" --tokens "$tokens" --kv-type "$kv" --color never --no-warmup 2>/dev/null)
    theirs=$("$bin/llama-simple" -m "$model" -n "$tokens" "$p" 2>/dev/null | sed '1s/^<s> //')
    total=$((total + 1))
    if [ "$(printf '%s' "$ours" | sed -e 's/[[:space:]]*$//')" = "$(printf '%s' "$theirs" | sed -e 's/[[:space:]]*$//')" ]; then
      same=$((same + 1))
    else
      echo "DIFFERENT on $(basename "$model"): $p"
      echo "  ours:      $(printf '%s' "$ours" | tr '\n' ' ')"
      echo "  llama.cpp: $(printf '%s' "$theirs" | tr '\n' ' ')"
    fi
  done
  echo "$(basename "$model") (--kv-type $kv): $same of $total prompts give the same greedy text"
done
