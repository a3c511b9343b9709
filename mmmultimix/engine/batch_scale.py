"""Say it when the total batch differs from the one the lr was set for."""
import os
from typing import Optional

__all__ = ['batch_note']


def batch_note(cfg, world_size: Optional[int] = None) -> Optional[str]:
    """One line when ``train_dataloader.batch_size × world_size`` differs
    from ``auto_scale_lr.base_batch_size`` (the paper's total batch: 4096 =
    32 GPUs × 128 on ImageNet): the batch, the lr, and what
    ``--auto-scale-lr`` does (linear scaling, mmengine's rule). None when
    they agree or the config names no base batch."""
    base = (cfg.get('auto_scale_lr') or {}).get('base_batch_size')
    loader = cfg.get('train_dataloader') or {}
    if not base or 'batch_size' not in loader:
        return None
    world = int(world_size or os.environ.get('WORLD_SIZE', 1))
    total = int(loader['batch_size']) * world
    if total == int(base):
        return None
    lr = cfg.optim_wrapper.optimizer.get('lr')
    scaled = None if lr is None else lr * total / base
    enabled = bool(cfg.auto_scale_lr.get('enable', False))
    how = (f'--auto-scale-lr scales it to {scaled:g} (lr x {total}/{base})'
           if enabled else f'it stays {lr:g}; --auto-scale-lr would scale it '
           f'to {scaled:g} (lr x {total}/{base})') if scaled is not None \
        else 'see --auto-scale-lr'
    return (f'total batch {loader["batch_size"]} x {world} GPU(s) = {total} '
            f'differs from the {base} the lr was set for '
            f'(auto_scale_lr.base_batch_size; the paper: 4096 = 32 GPUs x 128 '
            f'on ImageNet): lr {lr:g}; {how}')
