"""Save and restore every rank's random states with every checkpoint."""
import random

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmpretrain.registry import HOOKS

__all__ = ['RNGStateHook']


def _mixers(runner):
    from mmmultimix.models.mixers import BaseMixer
    model = getattr(runner.model, 'module', runner.model)
    return {
        name: mod
        for name, mod in model.named_modules() if isinstance(mod, BaseMixer)
    }


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Puts the random states into every checkpoint's ``meta`` and restores
    them on ``--resume``, so that a resumed run draws the same augmentations
    and the same ``Λ`` as an uninterrupted one. mmengine re-seeds at start-up
    but does not restore these streams. ``load_from`` (fine-tuning) leaves
    them alone.

    The states are per rank: python ``random``, numpy, torch CPU (and CUDA)
    and the generator of every mixer (``mixer._extra_state``; each rank
    draws its own ``Λ``). Checkpoints are written by rank 0 only, so under
    DDP every rank's states are gathered at the end of the epoch (or
    iteration) at which the checkpoint hook saves, stored as
    ``meta.rank_rng_states``, and each rank restores its own on resume
    (with the same number of ranks; otherwise rank 0's, with a warning).

    With dataloader workers (``num_workers > 0``), augmentations run in the
    workers, which mmengine seeds per epoch: resuming at an epoch boundary
    is then exact as well.
    """
    priority = 'LOW'  # before the checkpoint hook (VERY_LOW) at epoch end

    def __init__(self):
        self._gathered = None
        self._gathered_at = None

    @staticmethod
    def _local_state(runner) -> dict:
        state = dict(
            python=random.getstate(),
            numpy=np.random.get_state(),
            torch=torch.get_rng_state(),
            mixers={
                name: mod.get_extra_state()
                for name, mod in _mixers(runner).items()
            })
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        return state

    @staticmethod
    def _checkpoint_due(runner, epoch_end: bool) -> bool:
        for hook in runner.hooks:
            if not isinstance(hook, CheckpointHook):
                continue
            if epoch_end and hook.by_epoch:
                return hook.every_n_epochs(runner, hook.interval,
                                           hook.save_begin) or (
                    hook.save_last and hook.is_last_train_epoch(runner))
            if not epoch_end and not hook.by_epoch:
                return hook.every_n_train_iters(
                    runner, hook.interval, hook.save_begin) or (
                        hook.save_last and hook.is_last_train_iter(runner))
        return False

    def _gather(self, runner, epoch_end: bool) -> None:
        if get_world_size() > 1 and self._checkpoint_due(runner, epoch_end):
            self._gathered = all_gather_object(self._local_state(runner))
            self._gathered_at = (runner.epoch, runner.iter)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self._gather(runner, False)

    def after_train_epoch(self, runner) -> None:
        self._gather(runner, True)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.setdefault('meta', {})
        meta['rng_state'] = self._local_state(runner)
        if self._gathered is not None and \
                self._gathered_at == (runner.epoch, runner.iter):
            meta['rank_rng_states'] = self._gathered

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not runner._resume:  # fine-tuning from load_from: keep seeds
            return
        meta = checkpoint.get('meta', {})
        states = meta.get('rank_rng_states')
        rank, world = get_rank(), get_world_size()
        if states is not None and len(states) == world:
            state = states[rank]
        else:
            state = meta.get('rng_state')
            if state is None:
                return
            if world > 1:
                runner.logger.warning(
                    f'the checkpoint holds the random states of '
                    f'{len(states) if states else 1} rank(s), this run has '
                    f'{world}: every rank continues from rank 0\'s streams '
                    '(the resumed run is not bit-exact)')
        random.setstate(state['python'])
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
        sd = checkpoint.get('state_dict', {})
        for name, mixer_state in state.get('mixers', {}).items():
            key = f'{name}._extra_state'
            if key in sd:  # loaded into the model after this hook
                sd[key] = mixer_state
