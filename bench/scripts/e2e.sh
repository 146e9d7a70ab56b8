#!/usr/bin/env bash
# End-to-end generation speed, ours against llama.cpp's llama-bench on the same GGUF files and thread
# counts, alternating engine by engine so both see the same machine state.
#   LLAMA_BENCH=/path/to/llama-bench bench/scripts/e2e.sh [MODELS_DIR]
# MODELS_DIR gets random-weight GGUFs written by our own writer (Llama-3.2-1B shape in F16/Q8_0/Q4_0,
# a 110M shape in F32), with the llama.cpp vocabularies from ../shared/fixtures (or VOCAB_DIR).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
models=${1:-/tmp/skipllama-bench-models}
vocab=${VOCAB_DIR:-../shared/fixtures/llama.cpp-vocab}
[ -f bench/target/benchmarks.jar ] || ./mvnw -q -DskipTests package
J=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g -cp bench/target/benchmarks.jar)
mkdir -p "$models" bench/results
for spec in "llama-110m F32 spm" "llama-3.2-1b F16 bpe" "llama-3.2-1b Q8_0 bpe" "llama-3.2-1b Q4_0 bpe"; do
  set -- $spec
  f="$models/$1-$2.gguf"
  [ -f "$f" ] || "${J[@]}" dev.skipllama.bench.RandomGguf "$f" "$1" "$2" "$vocab/ggml-vocab-llama-$3.gguf"
done
out=bench/results/e2e-$(date +%Y%m%d-%H%M).txt
for f in ${MODELS:-"$models"/*.gguf}; do
  for t in ${THREADS:-1 2}; do
    echo "== $(basename "$f") threads=$t" | tee -a "$out"
    "${J[@]}" dev.skipllama.bench.GenerateBench "$f" "$t" 64 32 "${RUNS:-3}" "${WARMUP:-3}" 2>/dev/null | tee -a "$out"
    if [ -n "${LLAMA_BENCH:-}" ]; then
      "$LLAMA_BENCH" -m "$f" -t "$t" -p 64 -n 32 -r "${RUNS:-3}" -o md 2>/dev/null | grep -E "^\|" | tee -a "$out"
    fi
  done
done
echo "wrote $out"
