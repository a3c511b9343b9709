"""Base of our losses: a module with a ``loss_weight`` multiplier."""
from typing import Callable, Optional

import torch.nn as nn
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
    weight)``: subclasses name the functional ``loss_fn``."""
    loss_fn: Callable = None

    def forward(self,
                logits: Tensor,
                targets: Tensor,
                weight: Optional[Tensor] = None) -> Tensor:
        return self.loss_weight * type(self).loss_fn(logits, targets, weight)
