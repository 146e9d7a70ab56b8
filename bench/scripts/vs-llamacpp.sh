#!/usr/bin/env bash
# Speed side by side with llama.cpp on the same GGUF files and threads, in interleaved rounds (each round
# runs every model on both engines, so both see the machine in the same state), reported as medians:
# prompt processing (pp64), generation (tg32) and the cost of a 4-token forward against a 1-token one
# (4·tg/pp4: what speculative verification of 3 drafts costs in single steps).
#   LLAMA_BIN=/path/to/llama.cpp/build/bin bench/scripts/vs-llamacpp.sh MODEL.gguf [MODEL.gguf ...]
# Environment: THREADS (2), ROUNDS (5), WARMUP (untimed runs of ours per process, 5).
# Ours is GenerateBench (what `bin/skipllama bench` runs), theirs llama-bench -p 64,4 -n 32 -r 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
bin=${LLAMA_BIN:?set LLAMA_BIN to llama.cpp build/bin}
threads=${THREADS:-2}
rounds=${ROUNDS:-5}
warmup=${WARMUP:-5}
[ -f bench/target/benchmarks.jar ] || ./mvnw -q -DskipTests package
J=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar)
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
for ((r = 1; r <= rounds; r++)); do
  for f in "$@"; do
    m=$(basename "$f" .gguf)
    for pp in 64 4; do
      # "NAME threads=T ppP X tok/s  tgG Y tok/s ..."
      "${J[@]}" dev.skipllama.bench.GenerateBench "$f" "$threads" "$pp" 32 1 "$warmup" 2>/dev/null \
        | awk -v m="$m" -v pp="$pp" '/ tok\/s/ { print m, "ours", "pp" pp, $4; print m, "ours", "tg32", $7 }' >>"$raw"
    done
    "$bin/llama-bench" -m "$f" -t "$threads" -p 64,4 -n 32 -r 1 -o csv 2>/dev/null \
      | python3 -c '
import csv, sys
for row in csv.DictReader(sys.stdin):
    kind = "pp" + row["n_prompt"] if int(row["n_gen"]) == 0 else "tg" + row["n_gen"]
    print(sys.argv[1], "llama.cpp", kind, row["avg_ts"])' "$m" >>"$raw"
    echo "round $r: $m done" >&2
  done
done
python3 - "$raw" "$threads" "$rounds" <<'EOF'
import statistics, sys
from collections import defaultdict
raw, threads, rounds = sys.argv[1], sys.argv[2], sys.argv[3]
v = defaultdict(list)
models = []
for line in open(raw):
    m, engine, kind, x = line.split()
    v[m, engine, kind].append(float(x))
    if m not in models:
        models.append(m)
med = lambda m, e, k: statistics.median(v[m, e, k]) if v[m, e, k] else float("nan")
print(f"threads={threads}, medians of {rounds} interleaved rounds (tokens/s)\n")
print("| model | ours pp64 | llama.cpp pp64 | ratio | ours tg32 | llama.cpp tg32 | ratio | 4-row cost ours | llama.cpp |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for m in models:
    op, lp, ot, lt = med(m, "ours", "pp64"), med(m, "llama.cpp", "pp64"), med(m, "ours", "tg32"), med(m, "llama.cpp", "tg32")
    # tg32 of the pp4 processes too: each process's own generation speed against its own 4-row prefill
    o4 = 4 * ot / med(m, "ours", "pp4")
    l4 = 4 * lt / med(m, "llama.cpp", "pp4")
    print(f"| {m} | {op:.1f} | {lp:.1f} | {op / lp:.2f}× | {ot:.1f} | {lt:.1f} | {ot / lt:.2f}× | {o4:.2f}× | {l4:.2f}× |")
print("\nall runs:")
for k in sorted(v):
    print(" ", *k, " ".join(f"{x:.1f}" for x in v[k]))
EOF
