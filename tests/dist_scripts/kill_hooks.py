"""Hooks that kill a training run at a chosen moment (for the tests of
checkpoint safety and exact resume). Imported by test configs through
``custom_imports`` with ``tests/dist_scripts`` on ``PYTHONPATH``."""
import os
import signal

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


def _kill_on_next_write() -> None:
    """The next checkpoint write stops half-way: half the bytes, then
    SIGKILL (as ``kill -9`` during ``torch.save``)."""
    from mmengine.fileio import LocalBackend

    def put(self_, obj, filepath):
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
            f.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    LocalBackend.put = put


@HOOKS.register_module()
class KillMidSaveHook(Hook):
    """Makes the checkpoint write of epoch ``epoch`` stop half-way with
    SIGKILL (as ``kill -9`` during ``torch.save``); never on a resumed
    run."""
    priority = 'LOWEST'

    def __init__(self, epoch: int):
        self.epoch = epoch

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        if runner._resume or runner.epoch + 1 != self.epoch:
            return
        _kill_on_next_write()


@HOOKS.register_module()
class KillAfterEpochHook(Hook):
    """Every rank exits (code 3) after epoch ``epoch`` is checkpointed, as a
    preempted job; never on a resumed run."""
    priority = 'LOWEST'  # after the checkpoint hook

    def __init__(self, epoch: int):
        self.epoch = epoch

    def after_train_epoch(self, runner) -> None:
        if runner._resume or runner.epoch + 1 != self.epoch:
            return
        import torch.distributed as dist
        if dist.is_available() and dist.is_initialized():
            dist.barrier()  # rank 0 has finished writing
        os._exit(3)


@HOOKS.register_module()
class KillMidBestSaveHook(Hook):
    """Makes the first write of a best checkpoint (``save_best``: saved
    without the optimizer) stop half-way with SIGKILL; never on a resumed
    run."""
    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        if runner._resume or 'optimizer' in checkpoint:
            return
        _kill_on_next_write()
