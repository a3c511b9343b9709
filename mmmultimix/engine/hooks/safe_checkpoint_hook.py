"""Checkpoints that a kill cannot lose: write, then rename, then prune."""
import functools
import glob
import os
import os.path as osp

import torch
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmpretrain.registry import HOOKS

__all__ = ['SafeCheckpointHook', 'atomic_write_text']


def atomic_write_text(path: str, text: str) -> None:
    """Writes ``text`` to ``path`` through a temporary file in the same
    folder, flushed to disk and renamed over ``path``."""
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's :class:`CheckpointHook` (same arguments), made safe:

    * a checkpoint is written to ``.<name>.tmp`` in the same folder, flushed
      to disk and renamed to ``<name>`` (atomic on POSIX), so a process
      killed mid-write leaves the previous checkpoints intact and never a
      truncated ``<name>``;
    * ``last_checkpoint`` is rewritten the same way and names only complete
      files;
    * old checkpoints (``max_keep_ckpts``) are deleted only after the new
      one is complete (mmengine deletes them before writing it);
    * the best checkpoint (``save_best``) is written the same way, and the
      previous best is deleted only after the new one is complete (mmengine
      deletes it first, then writes in place);
    * a model with a non-finite parameter or buffer is never saved: the
      hook raises instead, so the latest checkpoint stays the last healthy
      state.

    Remote backends (``backend_args``) keep mmengine's behaviour.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if isinstance(self.file_backend, LocalBackend) and is_main_process():
            # half-written files of a run killed while saving
            for path in glob.glob(osp.join(self.out_dir, '.*.tmp')):
                os.remove(path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        check_finite_state(runner)
        stale = None
        if self.max_keep_ckpts > 0 and not (
                self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        name = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, name)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        _save_atomically(
            runner.save_checkpoint,
            self.out_dir,
            name,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'),
                          self.last_ckpt)
        if stale is not None and stale != step:
            path = osp.join(self.out_dir, self.filename_tmpl.format(stale))
            if osp.isfile(path):
                os.remove(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self.save_best or not isinstance(self.file_backend,
                                                LocalBackend):
            return super()._save_best_checkpoint(runner, metrics)
        check_finite_state(runner)
        stale = []  # the previous bests: removed once the new one is whole
        save = runner.save_checkpoint
        runner.save_checkpoint = functools.partial(  # mmengine's best-save
            _save_atomically, save)  # logic, its writes made atomic
        self.file_backend.remove = stale.append
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            del runner.save_checkpoint
            del self.file_backend.remove
        if is_main_process():
            best = {getattr(self, 'best_ckpt_path', None),
                    *getattr(self, 'best_ckpt_path_dict', {}).values()}
            for path in stale:
                if path not in best and osp.isfile(path):
                    os.remove(path)


def _save_atomically(save, out_dir: str, filename: str, *args,
                     **kwargs) -> None:
    """``save(out_dir, filename, ...)`` (``Runner.save_checkpoint``) to
    ``.<filename>.tmp``, then, on the main process, flushed to disk and
    renamed to ``filename`` (atomic on POSIX)."""
    tmp_name = f'.{filename}.tmp'
    save(out_dir, tmp_name, *args, **kwargs)
    if is_main_process():
        tmp = osp.join(out_dir, tmp_name)
        with open(tmp, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(tmp, osp.join(out_dir, filename))


def check_finite_state(runner) -> None:
    """Raises ``FloatingPointError`` if a parameter or floating buffer of the
    runner's model is NaN or inf (the state is not saved)."""
    model = getattr(runner.model, 'module', runner.model)
    bad = [
        name for name, t in list(model.named_parameters()) +
        list(model.named_buffers())
        if t.is_floating_point() and not bool(torch.isfinite(t).all())
    ]
    if bad:
        raise FloatingPointError(
            f'not saving a checkpoint at epoch {runner.epoch + 1}, iteration '
            f'{runner.iter + 1}: {len(bad)} tensors are NaN or inf (first: '
            f'{bad[0]}); the last checkpoint in {runner.work_dir} is the last '
            'finite state')
