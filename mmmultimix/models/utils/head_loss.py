"""The head's configured loss on (mixed) soft targets: what
``model.head.loss`` means in mmpretrain, applied to the targets a mixer
makes (``ΛᵀY``, ``λy_i + (1 − λ)y_j``, the dense per-position targets of
eq. 15)."""
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from mmmultimix import functional as Fm

__all__ = ['soft_ce_weight', 'head_loss', 'check_soft_target_loss']


def soft_ce_weight(loss: nn.Module) -> Optional[float]:
    """``loss_weight`` of a loss that is the soft-target cross-entropy
    ``-Σ_c y_c log p_c`` averaged over examples (our
    ``WeightedSoftCrossEntropyLoss``; mmpretrain's ``CrossEntropyLoss``
    with softmax, no class weights and mean reduction); None for any other
    loss. Those losses take eq. 15's fused dense path."""
    from mmpretrain.models.losses import CrossEntropyLoss

    from ..losses import WeightedSoftCrossEntropyLoss
    if type(loss) is WeightedSoftCrossEntropyLoss:
        return loss.loss_weight
    if type(loss) is CrossEntropyLoss and not loss.use_sigmoid and \
            loss.class_weight is None and loss.reduction == 'mean':
        return float(loss.loss_weight)
    return None


def head_loss(loss: nn.Module,
              logits: Tensor,
              targets: Tensor,
              weight: Optional[Tensor] = None) -> Tensor:
    """The head's loss module on soft targets, as mmpretrain's
    ``ClsHead.loss`` applies it to a batch augment's ``gt_score``
    (``loss_weight`` included; a mean over the examples).

    Args:
        loss: ``model.head.loss`` (built).
        logits: ``(n, c)``, or ``(n, r, c)`` per position (dense).
        targets: like ``logits``, soft (rows sum to 1).
        weight: ``(n, r)`` weights of eq. 15 for dense inputs: the
            per-example losses at each position are averaged with these
            weights, then over the positions (:func:`~mmmultimix.
            functional.weighted_mean`).

    The soft-target cross-entropy (:func:`soft_ce_weight`) is eq. 1 / 15
    exactly (:func:`~mmmultimix.functional.weighted_soft_cross_entropy`);
    our own target losses (``SoftmaxBCELoss``) take ``weight`` themselves;
    any other mmpretrain loss (``LabelSmoothLoss``, ``CrossEntropyLoss``
    with ``use_sigmoid=True``, ``FocalLoss``, ...) gives its per-example
    loss (``reduction_override='none'``, summed over classes where it is
    per class, as its mean reduction with mmpretrain's ``avg_factor = n``
    does), reduced as eq. 15.
    """
    from ..losses.weighted_loss import SoftTargetLoss
    w = soft_ce_weight(loss)
    if w is not None:
        return w * Fm.weighted_soft_cross_entropy(logits, targets, weight)
    if isinstance(loss, SoftTargetLoss):
        return loss(logits, targets, weight)
    c = logits.shape[-1]
    flat = Fm.at_least_fp32(logits).reshape(-1, c)
    per = loss(flat, targets.to(flat.dtype).reshape(-1, c),
               reduction_override='none')
    if per.dim() > 1:  # per class (BCE): summed, as mmpretrain's mean
        per = per.flatten(1).sum(1)
    return Fm.weighted_mean(per.reshape(logits.shape[:-1]), weight)


def check_soft_target_loss(loss: Optional[nn.Module], num_classes: int,
                           key: str = 'model.head.loss') -> None:
    """Raises a ``ValueError`` naming ``key`` unless ``loss`` gives a
    finite scalar on soft targets, with and without eq. 15's weights (a
    two-example probe at build time)."""
    if loss is None:
        raise ValueError(f'{key}: the head has no loss module (loss_module);'
                         ' mixing needs a classification head with a loss')
    c = int(num_classes)
    logits = torch.linspace(-1.0, 1.0, 2 * c).reshape(2, c)
    targets = torch.full((2, c), 1.0 / c)
    targets[0] = 0.0
    targets[0, 0] = targets[0, c - 1] = 0.5
    try:
        values = [head_loss(loss, logits, targets),
                  head_loss(loss, logits[:, None], targets[:, None],
                            torch.ones(2, 1))]
    except Exception as err:  # the loss's own error, named
        raise ValueError(
            f'{key} ({type(loss).__name__}) cannot take soft targets, which '
            'every mixer and the teacher produce (rows of ΛᵀY, λ-mixed '
            f'one-hots): {type(err).__name__}: {err}. Use a loss that '
            'accepts (n, c) float targets: CrossEntropyLoss (softmax or '
            'use_sigmoid=True), LabelSmoothLoss, '
            'WeightedSoftCrossEntropyLoss, SoftmaxBCELoss') from err
    for v in values:
        if not isinstance(v, Tensor) or v.numel() != 1 or \
                not bool(torch.isfinite(v).all()):
            raise ValueError(f'{key} ({type(loss).__name__}) on soft targets '
                             'gave no finite scalar (got '
                             f'{v if not isinstance(v, Tensor) else v.shape})'
                             ': it cannot train on mixed targets')
