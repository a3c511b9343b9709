"""Dense MultiMix loss (eqs. 11–15, and eq. 9's distillation term), fused."""
from typing import Iterable, Optional

from mmpretrain.registry import MODELS
from torch import Tensor

from mmmultimix import functional as Fm
from .weighted_loss import WeightedLoss

__all__ = ['DenseMultiMixLoss']


@MODELS.register_module()
class DenseMultiMixLoss(WeightedLoss):
    """The production loss of dense MultiMix plans, a thin adapter over
    :func:`mmmultimix.functional.dense_multimix_loss`: it takes the
    logits of the ``m`` real examples at every position of a 1×1-conv
    (affine) classifier, their attention and the chunks of ``Λ``, and never
    forms ``M̂`` ``(r, m, n)`` nor the ``(n, r, c)`` mixed logits.

    Args:
        loss_weight (float): multiplier of both terms. Defaults to 1.0.
    """

    def forward(self,
                logits: Tensor,
                attn: Tensor,
                targets: Tensor,
                lam_chunks: Iterable[Tensor],
                teacher_logits: Optional[Tensor] = None,
                teacher_probs: bool = False) -> Fm.DenseMixLoss:
        """Shapes: ``logits`` ``(m, c, r)``, ``attn`` ``(m, r)``,
        ``targets`` ``(m, c)``, chunks ``(r, m, n_t)``, ``teacher_logits``
        like ``logits``; ``teacher_probs``: interpolate the teacher's
        probabilities. Returns the weighted ``cls`` and ``distill`` (None
        without a teacher) terms and ``acc``."""
        out = Fm.dense_multimix_loss(logits, attn, targets, lam_chunks,
                                     teacher_logits, teacher_probs)
        w = self.loss_weight
        return Fm.DenseMixLoss(w * out.cls, None if out.distill is None else
                               w * out.distill, out.acc)
