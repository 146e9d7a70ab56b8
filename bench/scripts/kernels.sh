#!/usr/bin/env bash
# Kernel benchmarks in one JMH run: memory-bandwidth yardstick, matvec GB/s per dtype and shape,
# batched matmul GFLOP/s. Usage: bench/scripts/kernels.sh [extra JMH args]
# Results: bench/results/kernels-<date>.txt (JMH's own table; the *:weightBytes / *:readBytes
# rows are bytes per second, *:flops rows FLOP per second).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
[ -f bench/target/benchmarks.jar ] || ./mvnw -q -DskipTests package
mkdir -p bench/results
out=bench/results/kernels-$(date +%Y%m%d-%H%M).txt
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar \
  'MemoryBandwidthBenchmark|MatvecBenchmark|MatmulBenchmark' -rf text -rff "$out.jmh" "$@" | tee "$out"
echo "wrote $out"
