"""PuzzleMix's training loss: BCE of the softmax against mixed targets."""
from typing import Optional

from mmpretrain.registry import MODELS
from torch import Tensor

from mmmultimix import functional as Fm
from .weighted_loss import WeightedLoss

__all__ = ['SoftmaxBCELoss']


@MODELS.register_module()
class SoftmaxBCELoss(WeightedLoss):
    """The official PuzzleMix loss ``BCELoss()(softmax(logits), ỹ)``
    (averaged over examples and classes), a thin adapter over
    :func:`mmmultimix.functional.softmax_bce`; ``(n, r, c)`` inputs with
    weights for the dense loss. Use it as ``model.loss`` of a
    ``MultiMixClassifier``.

    Args:
        loss_weight (float): multiplier. Defaults to 1.0.
    """

    def forward(self,
                logits: Tensor,
                targets: Tensor,
                weight: Optional[Tensor] = None) -> Tensor:
        return self.loss_weight * Fm.softmax_bce(logits, targets, weight)
