#!/usr/bin/env bash
# Self-speculation where it pays and where it does not, on the Llama-3.2-1B shape:
#  1. writes SYNTHETIC models (random weights, a speed model, no language: SyntheticGguf) whose exit
#     after 4 layers is accepted at controlled rates (layers >= 4 damped by each EPSILON), in Q4_0 and F16;
#  2. SpeculationBench on them: bench/speculation/speculation.{md,svg}, speed-up against acceptance with
#     the analytic cost model beside every measurement;
#  3. the proof with the command line itself: `skipllama bench` tg of full decoding, --speculate 4,D and
#     --speculate auto, interleaved round by round, on the ~85% Q4_0 model, on the random-weight 1B Q4_0
#     model (auto must not lose) and on the embedded model.
#   MODELS=/tmp/synth VOCAB=../shared/fixtures/llama.cpp-vocab/ggml-vocab-llama-bpe.gguf RANDOM_MODEL=/tmp/models/llama-3.2-1b-Q4_0.gguf \
#   THREADS=2 ROUNDS=5 bench/scripts/speculation.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
models=${MODELS:-/tmp/synth}
vocab=${VOCAB:-../shared/fixtures/llama.cpp-vocab/ggml-vocab-llama-bpe.gguf}
t=${THREADS:-2}
rounds=${ROUNDS:-5}
lock=${LOCK:-/tmp/skipllama-heavy.lock}
[ -f bench/target/benchmarks.jar ] && [ -f cli/target/skipllama.jar ] || ./mvnw -q -DskipTests package
J=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g -cp bench/target/benchmarks.jar)
mkdir -p "$models" bench/results
for dtype in ${DTYPES:-Q4_0 F16}; do
  for eps in ${EPSILONS:-0.1 0.06 0.045 0.03 0.015}; do
    f="$models/synthetic-1b-$dtype-e4-eps$eps.gguf"
    [ -f "$f" ] || flock "$lock" "${J[@]}" dev.skipllama.bench.SyntheticGguf "$f" llama-3.2-1b "$dtype" "$vocab" 4 "$eps"
  done
done
if [ -z "${SKIP_TABLE:-}" ]; then
  flock "$lock" "${J[@]}" dev.skipllama.bench.SpeculationBench --threads "$t" --rounds "$rounds" --gen 64 \
    --settings "${SETTINGS:-full,4:3,4:4,4:6,4:4:all,auto}" --out bench/speculation \
    $(ls "$models"/synthetic-1b-Q4_0-e4-eps*.gguf "$models"/synthetic-1b-F16-e4-eps*.gguf 2>/dev/null)
fi
out=bench/results/speculation-cli-$(date +%Y%m%d-%H%M).txt
bench() { flock "$lock" bin/skipllama bench --threads "$t" --runs 3 --warmup 2 "$@" 2>/dev/null | grep -E "^\s+tg|\[" ; }
for round in $(seq "$rounds"); do
  for m in "${PROOF_MODEL:-$models/synthetic-1b-Q4_0-e4-eps0.03.gguf}" "${RANDOM_MODEL:-/tmp/models/llama-3.2-1b-Q4_0.gguf}" default; do
    args=(); [ "$m" = default ] || args=(--model "$m")
    for s in "" "--speculate 4,4" "--speculate auto"; do
      [ "$m" = default ] && [ "$s" = "--speculate 4,4" ] && s="--speculate 9,4"
      echo "== round $round $(date +%T) load $(cut -d' ' -f1 /proc/loadavg) $(basename "$m") ${s:-full}" | tee -a "$out"
      bench "${args[@]}" $s | tee -a "$out"
    done
  done
done
echo "wrote $out"
