#!/usr/bin/env bash
# Distributed testing with torchrun (NNODES, NODE_RANK, MASTER_ADDR, PORT
# for multi-node):  bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [args...]
exec bash "$(dirname "$0")/dist_run.sh" test "$3" "$1" "$2" "${@:4}"
