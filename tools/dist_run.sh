#!/usr/bin/env bash
# torchrun launcher shared by dist_train.sh and dist_test.sh. Multi-node: set
# NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node.
#   bash tools/dist_run.sh train|test GPUS [script args...]
SCRIPT=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python}"
if [[ -x "${ROOT}/.venv/bin/python" && -z "${PYTHON:-}" ]]; then
  PY="${ROOT}/.venv/bin/python"
fi
PYTHONPATH="${ROOT}:${PYTHONPATH}" \
"${PY}" -m torch.distributed.run \
    --nnodes="${NNODES}" \
    --node_rank="${NODE_RANK}" \
    --master_addr="${MASTER_ADDR}" \
    --nproc_per_node="${GPUS}" \
    --master_port="${PORT}" \
    "${ROOT}/tools/${SCRIPT}.py" \
    "${@:3}" \
    --launcher pytorch
