#!/usr/bin/env bash
# Runs the CUDA tests on a GPU machine from the folder native/scripts/gpu-bundle.sh builds (copied
# there as run-cuda-tests.sh). Needs nothing but that folder and the NVIDIA driver; cuBLAS and NVRTC
# are found in pip's nvidia-* wheels under Python's site-packages, CUDA_HOME, LD_LIBRARY_PATH or the
# standard directories (add one with -Dskipllama.cuda.path=DIR). Arguments are extra JVM options.
#   ./run-cuda-tests.sh                          # all CUDA tests, a tree of results, XML in reports/
#   ./run-cuda-tests.sh -Dskipllama.cuda.path=/opt/cuda/lib64
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
cp="$(ls lib/*.jar | grep -v -e console-standalone -e '/skipllama.jar$' | tr '\n' ':')"  # skipllama.jar: the CLI, the same classes again
java=(.jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -Dskipllama.models=models "$@")

command -v nvidia-smi >/dev/null && nvidia-smi -L
"${java[@]}" -cp "$cp" dev.skipllama.tensor.cuda.CudaInfo 2>&1 | grep -v "incubator modules"

"${java[@]}" -jar lib/junit-platform-console-standalone.jar execute --class-path "$cp" \
    --config jqwik.database=/tmp/skipllama-jqwik-database --config jqwik.reporting.usejunitplatform=true \
    --config jqwik.shrinking.bounded.seconds=5 \
    --select-class dev.skipllama.cuda.CudaLibrariesTest \
    --select-class dev.skipllama.cuda.BindingsLoadTest \
    --select-class dev.skipllama.cuda.SymbolsTest \
    --select-class dev.skipllama.tensor.BackendsTest \
    --select-class dev.skipllama.tensor.DeviceTensorTest \
    --select-class dev.skipllama.tensor.cuda.CudaBackendProperties \
    --select-class dev.skipllama.tensor.cuda.NvrtcTest \
    --select-class dev.skipllama.transformer.model.CudaModelTest \
    --select-class dev.skipllama.skip.CudaSkipMethodsTest \
    --details=tree --disable-banner --reports-dir=reports 2>&1 | grep -v "incubator modules"
exit "${PIPESTATUS[0]}"
