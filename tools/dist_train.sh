#!/usr/bin/env bash
# Distributed training with torchrun (NNODES, NODE_RANK, MASTER_ADDR, PORT
# for multi-node):  bash tools/dist_train.sh CONFIG GPUS [train.py args...]
exec bash "$(dirname "$0")/dist_run.sh" train "$2" "$1" "${@:3}"
