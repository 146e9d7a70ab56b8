#!/usr/bin/env bash
# Runs the CUDA tests on a machine without a GPU, against the emulated driver and cuBLAS of this
# folder (needs g++ with C++20; builds into native/target/emulator). Slow (every GPU thread is a
# fiber) and blind to what only hardware shows (races, the GPU's math library, speed), but it runs
# CudaBackend's real code path — FFM calls, argument packing, memory, cuBLAS parameters — and the
# kernels' arithmetic against the reference backend.
#   native/emulator/check.sh                          # the CUDA kernel properties (~30 s)
#   native/emulator/check.sh -Dtest=CudaBackendProperties#ropeEqualsReference
#   native/emulator/check.sh --all                    # also the model and skip/ tests on "CUDA" (~8 min on 2 cores)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/native/target/emulator"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
mkdir -p "$out"
python3 "$here/kernels.py" "$root/native/src/main/cuda" "$out"
g++ -std=c++20 -O1 -ffp-contract=off -fPIC -shared -I "$here" -I "$out" -o "$out/libcuda.so" "$here/driver.cpp"
ln -sf libcuda.so "$out/libcublas.so"   # one library, one heap: cuBLAS checks pointers against the driver's allocations
cd "$root"
module=tensor
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(-Dtest=CudaBackendProperties)
if [ "${1:-}" = "--all" ]; then
    module=skip
    args=(-Dtest=CudaBackendProperties,CudaModelTest,CudaSkipMethodsTest)
fi
LD_LIBRARY_PATH="$out" ./mvnw -q -B -ntp -pl "$module" -am verify -Dsurefire.failIfNoSpecifiedTests=false "${args[@]}"
grep -h "Tests run" "$root"/*/target/surefire-reports/*Cuda*.txt
