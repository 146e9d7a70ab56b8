#!/usr/bin/env bash
# Builds .gpu/ (at the repository root, git-ignored): everything the CUDA tests need on a GPU
# machine that has no Java, no Maven and no network, in at most 64 MiB:
#   .jre/        a jlinked Java 25 runtime (libjvm.so stripped of its symbol table)
#   lib/         our jars, our test classes as jars, jqwik, the JUnit console launcher
#   models/      the embedded model (weights, config, tokenizer, reference prompts)
#   run-cuda-tests.sh   (native/scripts/gpu-test.sh) runs the CUDA tests and prints a tree of results
# Usage: native/scripts/gpu-bundle.sh [--check]   (--check also runs the bundle here, with its own
# runtime: without a GPU every CUDA test reports skipped, with the reason)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.gpu"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
limit=$((64 * 1024 * 1024))
cd "$root"

version() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" pom.xml | head -n 1; }
jqwik="$(version jqwik.version)"
junit="$(version junit.version)"           # 5.x.y: the platform is 1.x.y
platform="1.${junit#5.}"
project="$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)"

./mvnw -q -B -ntp -pl cli -am package -DskipTests
./mvnw -q -B -ntp dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform"
m2="${MAVEN_REPO:-$HOME/.m2/repository}"

rm -rf "$out"
mkdir -p "$out/lib" "$out/models/tiny-layerskip/reference"
for m in cuda-bindings native tensor transformer skip; do
    cp "$m/target/skipllama-$m-$project.jar" "$out/lib/"
    # Test classes without their junit-platform.properties: the runner passes jqwik's settings itself.
    tmp="$(mktemp -d)"
    cp -r "$m/target/test-classes/." "$tmp/"
    rm -f "$tmp/junit-platform.properties"
    rm -rf "$tmp/llama.cpp-vocab" "$tmp/tiny-layerskip"   # tokenizer fixtures: 2.5 MB the CUDA tests never read
    "$JAVA_HOME/bin/jar" --create --file "$out/lib/skipllama-$m-$project-tests.jar" -C "$tmp" .
    rm -rf "$tmp"
done
for a in jqwik-api jqwik-engine; do
    cp "$m2/net/jqwik/$a/$jqwik/$a-$jqwik.jar" "$out/lib/"
done
cp "$m2/org/junit/platform/junit-platform-console-standalone/$platform/junit-platform-console-standalone-$platform.jar" \
   "$out/lib/junit-platform-console-standalone.jar"

src=models/tiny-layerskip
cp "$src/config.json" "$src/model.safetensors" "$src/tokenizer.model" "$out/models/tiny-layerskip/"
cp "$src/reference/reference.json" "$out/models/tiny-layerskip/reference/"
mkdir -p "$out/models/tiny-layerskip/eval"
cp "$src/eval/heldout.txt" "$out/models/tiny-layerskip/eval/"

# The benchmark side: the command line, and PyTorch on the same weights.
cp cli/target/skipllama.jar "$out/lib/"
cp bench/gpu/torch_bench.py training/safetensors_io.py "$out/"
cp native/scripts/gpu-bench.sh "$out/run-gpu-bench.sh"
chmod +x "$out/run-gpu-bench.sh"

# java.xml for the launcher's XML reports, java.management for its environment report.
"$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector,java.logging,jdk.unsupported,java.xml,java.management \
    --strip-debug --no-header-files --no-man-pages --compress zip-9 --output "$out/.jre" 2>&1 | grep -v "incubator modules" || true
if command -v strip >/dev/null; then
    strip --strip-unneeded "$out/.jre/lib/server/libjvm.so"   # the symbol table is 5 MB of the 64
fi

cp native/scripts/gpu-test.sh "$out/run-cuda-tests.sh"
chmod +x "$out/run-cuda-tests.sh"

size="$(du -sb "$out" | cut -f1)"
echo "bundle $out: $((size / 1024 / 1024)) MiB ($size bytes, limit $limit)"
if [ "$size" -gt "$limit" ]; then
    echo "the bundle is over 64 MiB" >&2
    exit 1
fi
if [ "${1:-}" = "--check" ]; then
    "$out/run-cuda-tests.sh"
    rm -rf "$out/reports"
fi
