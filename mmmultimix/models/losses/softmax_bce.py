"""PuzzleMix's training loss: BCE of the softmax against mixed targets."""
from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .weighted_loss import SoftTargetLoss

__all__ = ['SoftmaxBCELoss']


@MODELS.register_module()
class SoftmaxBCELoss(SoftTargetLoss):
    """The official PuzzleMix loss ``BCELoss()(softmax(logits), ỹ)``
    (averaged over examples and classes), a thin adapter over
    :func:`mmmultimix.functional.softmax_bce`; ``(n, r, c)`` inputs with
    weights for the dense loss. Use it as ``model.loss`` of a
    ``MultiMixClassifier``.

    Args:
        loss_weight (float): multiplier. Defaults to 1.0.
    """

    loss_fn = staticmethod(Fm.softmax_bce)
