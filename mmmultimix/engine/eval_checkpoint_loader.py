"""Test-time checkpoint loading that never evaluates random weights."""
from typing import Dict, List

import torch.nn as nn
from mmengine.model import is_model_wrapper

__all__ = ['CheckpointMismatchError', 'load_test_checkpoint']

# keys a test never needs: the mixer's generator; the teacher unless it is
# the network evaluated
_OPTIONAL = ('mixer.', )


class CheckpointMismatchError(RuntimeError):
    """The checkpoint's tensors do not match the model built from the
    config."""


def _diff(model_state: Dict, ckpt_state: Dict,
          optional) -> Dict[str, List[str]]:
    def needed(k):
        return not k.startswith(optional) and \
            not k.endswith('num_batches_tracked')

    return dict(
        missing=[k for k in model_state if k not in ckpt_state and needed(k)],
        unexpected=[
            k for k in ckpt_state if k not in model_state and needed(k)
        ],
        mismatched=[
            f'{k}: checkpoint {tuple(v.shape)} vs model '
            f'{tuple(model_state[k].shape)}' for k, v in ckpt_state.items()
            if k in model_state and hasattr(v, 'shape')
            and tuple(v.shape) != tuple(model_state[k].shape)
        ])


def load_test_checkpoint(model: nn.Module, path: str,
                         allow_partial: bool = False) -> None:
    """Loads ``path`` into ``model`` for evaluation, strictly: a missing,
    unexpected or mis-shaped tensor raises
    :class:`CheckpointMismatchError` listing them (``allow_partial``
    loads what matches and only warns). The mixer's state is never needed;
    ``teacher.*`` only when the teacher is evaluated (``--teacher``)."""
    from mmengine.logging import print_log
    from mmengine.runner.checkpoint import _load_checkpoint
    model = model.module if is_model_wrapper(model) else model
    ckpt = _load_checkpoint(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    state = {(k[7:] if k.startswith('module.') else k): v
             for k, v in state.items()}
    optional = _OPTIONAL
    if getattr(model, 'predict_with', 'student') != 'teacher':
        optional = optional + ('teacher.', )
    problems = _diff(model.state_dict(), state, optional)
    if any(problems.values()):
        text = '; '.join(f'{len(v)} {k} ({", ".join(v[:6])}'
                         f'{", ..." if len(v) > 6 else ""})'
                         for k, v in problems.items() if v)
        msg = (f'checkpoint {path} does not match the model of the config: '
               f'{text}. Check model.head.num_classes and the backbone '
               'settings against the training config')
        if not allow_partial:
            raise CheckpointMismatchError(
                msg + ' (--allow-partial loads what matches)')
        print_log(msg + ' (--allow-partial: loading what matches)',
                  logger='current', level=30)
    model_state = model.state_dict()
    usable = {k: v for k, v in state.items() if k in model_state and
              tuple(getattr(v, 'shape', ())) == tuple(model_state[k].shape)}
    model.load_state_dict(usable, strict=False)
