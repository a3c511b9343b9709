"""Base of our losses: a module with a ``loss_weight`` multiplier."""
from typing import Callable, Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

__all__ = ['WeightedLoss', 'SoftTargetLoss']


class WeightedLoss(nn.Module):
    """A loss module scaled by ``loss_weight`` (mmpretrain's convention).

    Args:
        loss_weight (float): multiplier. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = float(loss_weight)


class SoftTargetLoss(WeightedLoss):
    """A loss of logits against soft targets with optional per-example (or
    per-position) weights, ``loss_weight · loss_fn(logits, targets,
    weight)``: subclasses name the functional ``loss_fn``.

    Usable as an mmpretrain head's ``loss`` (``ClsHead`` calls it with the
    ``(n,)`` class indices or a batch augment's ``(n, c)`` ``gt_score``
    and ``avg_factor = n``): class indices are one-hot encoded; the mean
    over the examples is the only reduction. ``weight`` is eq. 15's (a
    weighted mean over the examples at each position, not mmpretrain's
    sample weights)."""
    loss_fn: Callable = None

    def forward(self,
                logits: Tensor,
                targets: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        if reduction_override not in (None, 'mean'):
            raise ValueError(f'{type(self).__name__} reduces by the mean over '
                             'the examples only; got reduction_override='
                             f'{reduction_override!r}')
        if avg_factor is not None and avg_factor != logits.shape[0]:
            raise ValueError(f'{type(self).__name__} averages over the '
                             f'{logits.shape[0]} examples; got avg_factor='
                             f'{avg_factor}')
        if targets.dim() == logits.dim() - 1:  # class indices
            targets = F.one_hot(targets.long(), logits.shape[-1]).to(
                logits.dtype)
        return self.loss_weight * type(self).loss_fn(logits, targets, weight)
