#!/usr/bin/env bash
# Rebuilds the committed PTX of every kernel and the checksum file that ties them to their sources
# (native/src/test checks both). Run it after editing anything under native/src/main/cuda and commit
# the result; builds without nvcc then still ship working kernels.
#
# compute_75 is the oldest virtual architecture CUDA 13 accepts: the driver JIT-compiles this PTX
# for whatever newer GPU it finds (Turing through Hopper and Blackwell). IEEE semantics are spelled
# out (no --use_fast_math): the kernels must compute ReferenceBackend's numbers, subnormals included.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src/main/cuda"
out="$here/src/main/resources/dev/skipllama/cuda/kernels"
NVCC="${NVCC:-nvcc}"
command -v "$NVCC" >/dev/null || { echo "nvcc not found (set NVCC=/path/to/nvcc)" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.ptx
for cu in "$src"/*.cu; do
    name="$(basename "$cu" .cu)"
    "$NVCC" -ptx -arch=compute_75 -std=c++17 -O3 -ftz=false -prec-div=true -prec-sqrt=true -fmad=true \
        -I "$src" -o "$out/$name.ptx" "$cu"
    echo "built $name.ptx"
done
"$NVCC" --version | tail -n 2 | head -n 1 > "$out/NVCC_VERSION"
(cd "$src" && sha256sum *.cu *.cuh) > "$out/SOURCES.sha256"
echo "wrote $out/SOURCES.sha256"
