"""Soft-target cross-entropy, eq. 1, and its weighted form, eq. 15."""
from typing import Optional

import torch
from torch import Tensor

__all__ = [
    'soft_cross_entropy', 'weighted_soft_cross_entropy', 'softmax_bce',
    'weighted_mean'
]


def weighted_mean(per: Tensor, weight: Optional[Tensor]) -> Tensor:
    """The reduction of eq. 15 of per-example (``(n,)``) or per-position
    (``(n, r)``) losses: the mean without weights; with weights ``s``, the
    ``s``-weighted mean over the examples at each position, averaged over the
    positions whose total weight is positive."""
    if weight is None:
        return per.mean()
    if weight.shape != per.shape:
        raise ValueError(f'weight must have shape {tuple(per.shape)}, got '
                         f'{tuple(weight.shape)}')
    w = weight.to(per.dtype)
    total = w.sum(dim=0)  # () or (r,)
    ok = total > 0
    safe_total = torch.where(ok, total, torch.ones_like(total))
    per_pos = (per * w).sum(dim=0) / safe_total
    if per_pos.dim() == 0:
        return torch.where(ok, per_pos, torch.zeros_like(per_pos))
    count = ok.sum().clamp_min(1)
    return torch.where(ok, per_pos, torch.zeros_like(per_pos)).sum() / count


def soft_cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Per-example cross-entropy ``-Σ_c y_c log p_c`` with ``p =
    softmax(logits)`` computed in fp32. Shapes ``(..., c)`` -> ``(...)``."""
    if logits.shape != targets.shape:
        raise ValueError('logits and targets must have the same shape, got '
                         f'{tuple(logits.shape)} and {tuple(targets.shape)}')
    dt = torch.promote_types(logits.dtype, torch.float32)
    logp = torch.log_softmax(logits.to(dt), dim=-1)
    return -(targets.to(dt) * logp).sum(dim=-1)


def weighted_soft_cross_entropy(logits: Tensor,
                                targets: Tensor,
                                weight: Optional[Tensor] = None) -> Tensor:
    """Weighted cross-entropy, eq. 15 (eq. 1 when ``weight`` is None).

    ``H(Y, P; s) = -1ᵀ(Y ⊙ log P) s / (1ᵀ s)``.

    Args:
        logits (Tensor): ``(n, c)``, or ``(n, r, c)`` for a dense loss.
        targets (Tensor): same shape as ``logits``, soft or one-hot.
        weight (Tensor, optional): ``(n,)`` (or ``(n, r)``) weights ``s ≥ 0``.

    Returns:
        Tensor: scalar (fp32, or fp64 for fp64 inputs). For ``(n, r, c)``
        inputs, eq. 15 is applied at each position ``j`` over the ``n``
        examples, then averaged over the positions whose total weight
        ``1ᵀ s^j`` is positive (a position where all weights are 0 carries
        no information and is skipped; if all are 0 the loss is 0, with zero
        gradients).
    """
    if logits.dim() not in (2, 3):
        raise ValueError('logits must have shape (n, c) or (n, r, c), got '
                         f'{tuple(logits.shape)}')
    return weighted_mean(soft_cross_entropy(logits, targets), weight)


def softmax_bce(logits: Tensor,
                targets: Tensor,
                weight: Optional[Tensor] = None) -> Tensor:
    """PuzzleMix's training loss (official ``bce_loss(softmax(output),
    target)``): binary cross-entropy of the softmax probabilities against
    the mixed targets, averaged over examples *and* classes (fp32; logs
    clamped at −100 as ``torch.nn.BCELoss``). ``(n, r, c)`` inputs with
    weights ``(n, r)``: reduced as eq. 15
    (:func:`weighted_soft_cross_entropy`).
    """
    if logits.shape != targets.shape:
        raise ValueError('logits and targets must have the same shape, got '
                         f'{tuple(logits.shape)} and {tuple(targets.shape)}')
    dt = torch.promote_types(logits.dtype, torch.float32)
    p = torch.softmax(logits.to(dt), dim=-1)
    bce = torch.nn.functional.binary_cross_entropy(p, targets.to(dt),
                                                   reduction='none')
    return weighted_mean(bce.mean(-1), weight)  # (n,) or (n, r) first
