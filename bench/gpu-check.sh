#!/usr/bin/env bash
# The GPU path, checked: on a machine with an NVIDIA GPU (offline is fine; PyTorch with CUDA present), case C of
# bench/train.ts (bert-base shape, batch 8 x 128, full fine-tune) with onnxruntime-node's webgpu provider (Dawn over
# Vulkan) against PyTorch on CUDA, on the same shapes and from the same weights. Prints both step times, peak memory,
# and the first-step loss of each with dropout off (the run fails if they differ beyond bench/train.ts's tolerance).
#
#   bash bench/gpu-check.sh                  (EP=cuda to try onnxruntime's CUDA provider instead of webgpu;
#                                             ROUNDS=n timed steps, 5 by default;
#                                             EDGECLASS_BENCH_PYTHON=/path/to/python when torch is not in /usr/bin/python3)
#
# Nothing in CI runs this: it needs a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
EP="${EP:-webgpu}"
PYTHON="${EDGECLASS_BENCH_PYTHON:-/usr/bin/python3}"

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi is missing or failed)" >&2
  exit 2
fi
if ! "$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  echo "gpu-check: $PYTHON has no PyTorch with CUDA (torch.cuda.is_available() is False or torch is missing)" >&2
  exit 2
fi
"$PYTHON" -c 'import torch; print(f"PyTorch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}")'
# Fails at once, naming the provider, when onnxruntime-node cannot start it (no Vulkan loader, no CUDA libraries).
node --import tsx -e "import('./src/train/session.ts').then((m) => m.probeExecutionProvider('$EP')).then(() => console.log('onnxruntime-node: $EP provider starts'))"

export EDGECLASS_BENCH_PYTHON="$PYTHON"
exec npx tsx bench/train.ts --cases C --ep "$EP" --torch-device cuda --quiet-wait 0 --rounds "${ROUNDS:-5}"
