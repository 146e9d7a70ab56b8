#!/usr/bin/env bash
# Writes the fixture transformer/src/test/resources/tiny-layerskip/llama-simple-greedy.jsonl: llama.cpp's
# greedy text (llama-simple, its defaults: F16 KV cache, flash attention) for the held-out prompts of
# bench/scripts/greedy-vs-llamacpp.sh on the embedded model converted by our `convert` to F32, Q8_0 and
# Q4_0. LlamaCppGreedyTest checks our --kv-type f16 decoding against it.
#   LLAMA_BIN=/path/to/llama.cpp/build/bin bench/scripts/llama-simple-fixture.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
bin=${LLAMA_BIN:?set LLAMA_BIN to llama.cpp build/bin}
out=transformer/src/test/resources/tiny-layerskip/llama-simple-greedy.jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t prompts < <(head -n 24 models/tiny-layerskip/eval/heldout.txt | awk '{ w = (NR % 3) + 3; s = $1; for (i = 2; i <= w && i <= NF; i++) s = s " " $i; print s }')
: > "$out.tmp"
for type in F32 Q8_0 Q4_0; do
  bin/skipllama convert models/tiny-layerskip "$tmp/tiny-$type.gguf" --type "$type" > /dev/null 2>&1
  for p in "${prompts[@]}"; do
    text=$("$bin/llama-simple" -m "$tmp/tiny-$type.gguf" -n 32 "$p" 2>/dev/null | sed '1s/^<s> //')
    python3 -c 'import json, sys; print(json.dumps({"type": sys.argv[1], "prompt": sys.argv[2], "tokens": 32, "text": sys.argv[3].rstrip()}, ensure_ascii=False))' \
      "$type" "$p" "$text" >> "$out.tmp"
  done
done
mv "$out.tmp" "$out"
echo "wrote $out ($(wc -l < "$out") lines)"
