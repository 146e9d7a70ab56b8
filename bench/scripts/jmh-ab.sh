#!/usr/bin/env bash
# A JMH benchmark run alternately from two builds (A/B), in pairs, reported as medians per parameter set:
#   JARS="/tmp/base-benchmarks.jar bench/target/benchmarks.jar" PAIRS=4 bench/scripts/jmh-ab.sh \
#     MatmulBenchmark -p dtype=Q4_0 -p rows=64 -p n=2048 -p nOut=2048 -p threads=2
# Each run is one fork, 3 warm-up and 4 measured iterations of 1 s; the primary score (ops/s) is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
read -r -a jars <<<"${JARS:?set JARS to two benchmarks.jar paths}"
pairs=${PAIRS:-4}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
for ((i = 1; i <= pairs; i++)); do
  for j in "${jars[@]}"; do
    "$JAVA_HOME/bin/java" -jar "$j" "$@" -f 1 -wi 3 -i 4 -w 1 -r 1 2>/dev/null \
      | awk -v j="$j" '/^[A-Za-z]+Benchmark\.[a-zA-Z]+ / && !/:/ { $1 = ""; print j, $0 }' >>"$raw"
  done
done
python3 - "$raw" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    # JAR PARAMS... Mode Cnt Score ± Error Units: the score is the fourth field from the end
    runs[(" ".join(f[1:-6]), f[0])].append(float(f[-4]))
for (params, jar), v in sorted(runs.items()):
    print(f"{params:40s} {jar:45s} {' '.join('%.1f' % x for x in v)}  median {statistics.median(v):.1f}")
PY
