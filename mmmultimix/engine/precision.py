"""``tools/train.py``'s precision flags as config edits. ``model.precision``
is the one route to autocast (the classifier's forward passes, student and
teacher); ``--amp`` is a spelling of it: ``fp16`` on CUDA (mmpretrain's
meaning), ``auto`` elsewhere (bf16 where the CPU runs it natively, fp32
otherwise). fp16 also takes mmengine's ``AmpOptimWrapper``, for its loss
scaling."""
import inspect
from typing import Optional

__all__ = ['amp_precision', 'use_precision']


def amp_precision() -> str:
    """What ``--amp`` means on this machine."""
    import torch
    return 'fp16' if torch.cuda.is_available() else 'auto'


def _takes_precision(model_cfg) -> bool:
    from mmpretrain.registry import MODELS
    cls = MODELS.get(model_cfg.get('type', ''))
    return cls is not None and \
        'precision' in inspect.signature(cls).parameters


def use_precision(cfg, precision: Optional[str], amp: bool = False) -> None:
    """Sets ``model.precision`` (and ``AmpOptimWrapper`` for fp16) from
    ``--precision`` / ``--amp``; nothing when neither is given."""
    if amp:
        spelled = amp_precision()
        if precision not in (None, spelled):
            raise ValueError(f'--amp means --precision {spelled} on this '
                             f'machine, and --precision {precision} was '
                             'given too: give one of them')
        precision = spelled
    if precision is None:
        return
    if precision == 'fp16':
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError('fp16 (--precision fp16, --amp on CUDA) needs '
                             'optim_wrapper.type OptimWrapper or '
                             f'AmpOptimWrapper for loss scaling, got '
                             f'{wrapper!r}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        cfg.optim_wrapper.setdefault('dtype', 'float16')
    if _takes_precision(cfg.model):
        cfg.model.precision = precision
    elif precision != 'fp16':
        raise ValueError(
            f'--precision {precision} (or --amp on a CPU) sets '
            f'model.precision, which model.type {cfg.model.get("type")!r} '
            'does not take (MultiMixClassifier does); another model trains '
            "in fp16 on CUDA through mmengine's AmpOptimWrapper "
            '(--precision fp16)')
