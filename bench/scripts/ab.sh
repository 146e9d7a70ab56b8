#!/usr/bin/env bash
# Interleaved A/B end to end: for each round and file, GenerateBench from each jar in turn, then
# llama-bench on the same file, so every engine sees the same machine state (this machine is shared
# and its speed wanders by up to 2x within minutes; read medians over rounds).
#   JARS="/tmp/base.jar bench/target/benchmarks.jar" LLAMA_BENCH=/path/to/llama-bench \
#   ROUNDS=4 THREADS=2 bench/scripts/ab.sh MODEL.gguf [MODEL.gguf ...]
# Keep a copy of the old jar before rebuilding (cp bench/target/benchmarks.jar /tmp/base.jar).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
jars=${JARS:-bench/target/benchmarks.jar}
t=${THREADS:-2}
mkdir -p bench/results
out=bench/results/ab-$(date +%Y%m%d-%H%M).txt
for round in $(seq "${ROUNDS:-4}"); do
  for f in "$@"; do
    for jar in $jars; do
      echo "== round $round $(date +%T) load $(cut -d' ' -f1 /proc/loadavg) $jar $(basename "$f")" | tee -a "$out"
      "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g -cp "$jar" \
        dev.skipllama.bench.GenerateBench "$f" "$t" 64 32 3 2 2>/dev/null | head -1 | tee -a "$out"
    done
    if [ -n "${LLAMA_BENCH:-}" ]; then
      echo "== round $round $(date +%T) llama.cpp $(basename "$f")" | tee -a "$out"
      "$LLAMA_BENCH" -m "$f" -t "$t" -p 64 -n 32 -r 3 -o md 2>/dev/null | grep -E "pp64|tg32" | tee -a "$out"
    fi
  done
done
echo "wrote $out"
