"""Soft-target cross-entropy with per-example (per-position) weights."""
from typing import Optional

from mmpretrain.registry import MODELS
from torch import Tensor

from mmmultimix import functional as Fm
from .weighted_loss import WeightedLoss

__all__ = ['WeightedSoftCrossEntropyLoss']


@MODELS.register_module()
class WeightedSoftCrossEntropyLoss(WeightedLoss):
    """Eq. 15 of the paper (eq. 1 without weights), a thin adapter over
    :func:`mmmultimix.functional.weighted_soft_cross_entropy`.

    Inputs ``(n, c)`` give the vanilla loss; inputs ``(n, r, c)`` with
    weights ``(n, r)`` give the dense loss: eq. 15 at every position with
    weights ``s = 1ᵀM^j``, averaged over positions.

    Args:
        loss_weight (float): multiplier. Defaults to 1.0.
    """

    def forward(self,
                logits: Tensor,
                targets: Tensor,
                weight: Optional[Tensor] = None) -> Tensor:
        return self.loss_weight * Fm.weighted_soft_cross_entropy(
            logits, targets, weight)
