"""Soft-target cross-entropy with per-example (per-position) weights."""
from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .weighted_loss import SoftTargetLoss

__all__ = ['WeightedSoftCrossEntropyLoss']


@MODELS.register_module()
class WeightedSoftCrossEntropyLoss(SoftTargetLoss):
    """Eq. 15 of the paper (eq. 1 without weights), a thin adapter over
    :func:`mmmultimix.functional.weighted_soft_cross_entropy`.

    Inputs ``(n, c)`` give the vanilla loss; inputs ``(n, r, c)`` with
    weights ``(n, r)`` give the dense loss: eq. 15 at every position with
    weights ``s = 1ᵀM^j``, averaged over positions.

    Args:
        loss_weight (float): multiplier. Defaults to 1.0.
    """

    loss_fn = staticmethod(Fm.weighted_soft_cross_entropy)
