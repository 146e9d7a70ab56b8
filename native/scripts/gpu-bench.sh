#!/usr/bin/env bash
# The GPU measurements of issue #8, run on the GPU machine from the folder gpu-bundle.sh builds
# (copied there as run-gpu-bench.sh), after run-cuda-tests.sh has passed. Needs the NVIDIA driver,
# python3 with PyTorch (transformers optional) and ~6 GB of free disk for the random 1B checkpoint.
#   ./run-gpu-bench.sh [WORKDIR]        # default WORKDIR /tmp/skipllama-gpu-bench
# In one sitting, alternating: skipllama (F16 checkpoint, and its Q8_0 GGUF) and eager PyTorch on the
# same weights, pp64/tg32 medians; the device's copy bandwidth; self-speculation on the embedded model.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
work="${1:-/tmp/skipllama-gpu-bench}"
mkdir -p "$work"
java=(.jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar lib/skipllama.jar)
skipllama() { "${java[@]}" "$@" 2>&1 | grep -v "incubator modules"; }

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))"

echo "== the plain PyTorch Llama is the same model as ours: greedy tokens of the embedded model vs the fp32 fixture"
python3 torch_bench.py check models/tiny-layerskip --device cuda

echo "== random Llama-3.2-1B-shaped weights (F16, HF layout) and their Q8_0 GGUF"
[ -f "$work/llama-1b/model.safetensors" ] || python3 torch_bench.py make "$work/llama-1b" --shape 1b
[ -f "$work/llama-1b-Q8_0.gguf" ] || skipllama convert "$work/llama-1b" "$work/llama-1b-Q8_0.gguf" --type Q8_0

for round in 1 2; do
    echo "== round $round"
    skipllama bench --model "$work/llama-1b" --backend cuda --prompt 64 --gen 32 --runs 3 --warmup 2
    python3 torch_bench.py bench "$work/llama-1b" --device cuda --pp 64 --tg 32 --runs 3 --warmup 2
    skipllama bench --model "$work/llama-1b-Q8_0.gguf" --backend cuda --prompt 64 --gen 32 --runs 3 --warmup 2
done

echo "== self-speculation on the GPU (embedded model: identical output; speed against the full model)"
skipllama eval --table --backend cuda --model models/tiny-layerskip --text models/tiny-layerskip/eval/heldout.txt \
    --prompts 8 --tokens 48 --out "$work/skip-eval"
