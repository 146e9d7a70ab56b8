#!/usr/bin/env bash
# Rebuilds the committed PTX of every kernel and the checksum file that ties them to their sources
# (native/src/test checks both). Run it after editing anything under native/src/main/cuda and commit
# the result; builds without nvcc then still ship working kernels.
#
# compute_75 is the oldest virtual architecture CUDA 13 accepts: the driver JIT-compiles this PTX
# for whatever newer GPU it finds (Turing through Hopper and Blackwell). IEEE semantics are spelled
# out (no --use_fast_math): the kernels must compute ReferenceBackend's numbers, subnormals included.
#
# nvcc 13 stamps its PTX ".version 9.0", which only drivers from R580 on accept. The kernels use no
# instruction newer than PTX ISA 6.3 (CUDA 10.0, the first with sm_75), so the stamp is lowered to
# 6.3: any driver that knows the GPU then loads the PTX without NVRTC. ptxas proves it below (and
# NvccCompileTest where nvcc is present): it assembles the lowered file, and the machine code is the
# same as from nvcc's own stamp.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src/main/cuda"
out="$here/src/main/resources/dev/skipllama/cuda/kernels"
NVCC="${NVCC:-nvcc}"
command -v "$NVCC" >/dev/null || { echo "nvcc not found (set NVCC=/path/to/nvcc)" >&2; exit 1; }
PTX_ISA=6.3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
rm -f "$out"/*.ptx
for cu in "$src"/*.cu; do
    name="$(basename "$cu" .cu)"
    "$NVCC" -ptx -arch=compute_75 -std=c++17 -O3 -ftz=false -prec-div=true -prec-sqrt=true -fmad=true \
        -I "$src" -o "$out/$name.ptx.native" "$cu"
    sed -E "s/^\.version [0-9]+\.[0-9]+$/.version $PTX_ISA/" "$out/$name.ptx.native" > "$out/$name.ptx"
    if command -v ptxas >/dev/null; then
        for arch in sm_75 sm_90; do
            ptxas -arch=$arch -o "$tmp/native.cubin" "$out/$name.ptx.native"
            ptxas -arch=$arch -o "$tmp/lowered.cubin" "$out/$name.ptx"
            cmp -s "$tmp/native.cubin" "$tmp/lowered.cubin" \
                || { echo "$name: PTX ISA $PTX_ISA changes the $arch code; raise PTX_ISA" >&2; exit 1; }
        done
    fi
    rm "$out/$name.ptx.native"
    echo "built $name.ptx (PTX ISA $PTX_ISA)"
done
"$NVCC" --version | tail -n 2 | head -n 1 > "$out/NVCC_VERSION"
(cd "$src" && sha256sum *.cu *.cuh) > "$out/SOURCES.sha256"
echo "wrote $out/SOURCES.sha256"
