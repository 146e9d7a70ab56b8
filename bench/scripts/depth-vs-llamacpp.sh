#!/usr/bin/env bash
# Long contexts side by side with llama.cpp on the same GGUF files and threads, in interleaved rounds:
# a DEPTH-token prompt (pp) and TG tokens generated after it (tg @ depth), where attention reads a
# KV cache of DEPTH positions per layer. Reported as medians.
#   LLAMA_BIN=/path/to/llama.cpp/build/bin bench/scripts/depth-vs-llamacpp.sh MODEL.gguf [MODEL.gguf ...]
# Environment: THREADS (2), ROUNDS (3), DEPTH (1024), TG (16), WARMUP (untimed runs of ours per process, 1).
# Ours is GenerateBench FILE THREADS DEPTH TG 1 WARMUP (what `bin/skipllama bench --prompt DEPTH --gen TG`
# runs: generation continues the prompt's KV cache); theirs llama-bench -p DEPTH -n 0 and -p 0 -n TG -d DEPTH.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
bin=${LLAMA_BIN:?set LLAMA_BIN to llama.cpp build/bin}
threads=${THREADS:-2}
rounds=${ROUNDS:-3}
depth=${DEPTH:-1024}
tg=${TG:-16}
warmup=${WARMUP:-1}
[ -f bench/target/benchmarks.jar ] || ./mvnw -q -DskipTests package
J=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar)
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
for ((r = 1; r <= rounds; r++)); do
  for f in "$@"; do
    m=$(basename "$f" .gguf)
    # "NAME threads=T ppP X tok/s  tgG Y tok/s ..."
    "${J[@]}" dev.skipllama.bench.GenerateBench "$f" "$threads" "$depth" "$tg" 1 "$warmup" 2>/dev/null \
      | awk -v m="$m" '/ tok\/s/ { print m, "ours", "pp", $4; print m, "ours", "tg", $7 }' >>"$raw"
    for args in "-p $depth -n 0" "-p 0 -n $tg -d $depth"; do
      # shellcheck disable=SC2086
      "$bin/llama-bench" -m "$f" -t "$threads" $args -r 1 -o csv 2>/dev/null \
        | python3 -c '
import csv, sys
for row in csv.DictReader(sys.stdin):
    print(sys.argv[1], "llama.cpp", "pp" if int(row["n_gen"]) == 0 else "tg", row["avg_ts"])' "$m" >>"$raw"
    done
    echo "round $r: $m done" >&2
  done
done
python3 - "$raw" "$threads" "$rounds" "$depth" "$tg" <<'EOF'
import statistics, sys
from collections import defaultdict
raw, threads, rounds, depth, tg = sys.argv[1:6]
v = defaultdict(list)
models = []
for line in open(raw):
    m, engine, kind, x = line.split()
    v[m, engine, kind].append(float(x))
    if m not in models:
        models.append(m)
med = lambda m, e, k: statistics.median(v[m, e, k]) if v[m, e, k] else float("nan")
print(f"threads={threads}, medians of {rounds} interleaved rounds (tokens/s)\n")
print(f"| model | ours pp{depth} | llama.cpp pp{depth} | ratio | ours tg{tg} @ {depth} | llama.cpp tg{tg} @ {depth} | ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
for m in models:
    op, lp, ot, lt = med(m, "ours", "pp"), med(m, "llama.cpp", "pp"), med(m, "ours", "tg"), med(m, "llama.cpp", "tg")
    print(f"| {m} | {op:.1f} | {lp:.1f} | {op / lp:.2f}× | {ot:.1f} | {lt:.1f} | {ot / lt:.2f}× |")
print("\nall runs:")
for k in sorted(v):
    print(" ", *k, " ".join(f"{x:.1f}" for x in v[k]))
EOF
