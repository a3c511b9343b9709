"""Save and restore the global random states with every checkpoint."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

__all__ = ['RNGStateHook']


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Puts the global RNG states (python ``random``, numpy, torch CPU and
    CUDA) into every checkpoint's ``meta`` and restores them on
    ``--resume``, so that a resumed run draws the same augmentations as an
    uninterrupted one (the mixers' own generators travel in the model's
    ``state_dict``). mmengine re-seeds at start-up but does not restore
    these streams. ``load_from`` (fine-tuning) leaves them alone.

    With dataloader workers (``num_workers > 0``), augmentations run in the
    workers, which mmengine seeds per epoch: resuming at an epoch boundary
    is then exact as well.
    """
    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(
            python=random.getstate(),
            numpy=np.random.get_state(),
            torch=torch.get_rng_state())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint.setdefault('meta', {})['rng_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not runner._resume:  # fine-tuning from load_from: keep seeds
            return
        state = checkpoint.get('meta', {}).get('rng_state')
        if state is None:
            return
        random.setstate(state['python'])
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
