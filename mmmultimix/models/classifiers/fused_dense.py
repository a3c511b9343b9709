"""The loss of a dense MultiMix plan through the classifier's
``dense_mix_loss`` (the fused eqs. 10–15, and eq. 9 with a teacher): the
attention and logits of the ``m`` real maps, ``Λ`` drawn chunk by chunk and
consumed at once. A function of the classifier (``model``)."""
import torch
from torch import Tensor

from ..mixers import DenseMultiMixPlan
from ..utils import check_finite, gather, soft_ce_weight
from .mixed_forward import dense_attention, dense_real_logits

__all__ = ['fused_dense_loss']


def fused_dense_loss(model, student_in: Tensor, teacher_in: Tensor,
                     targets: Tensor, plan: DenseMultiMixPlan) -> dict:
    """Dense MultiMix (eqs. 10–15, and eq. 9 with a teacher) through
    ``dense_mix_loss``: attention and logits of the ``m`` real maps,
    ``Λ`` drawn chunk by chunk and consumed at once."""
    fmap, logits = dense_real_logits(model, student_in)
    check_finite(logits)
    m, _, h, w = fmap.shape
    world = plan.world
    attn = dense_attention(model.head, fmap, targets, plan)
    t_logits = None
    if model.teacher is not None:
        tnet = model.teacher.net(model.training)
        with torch.no_grad(), model.teacher.autocast(teacher_in.device):
            t_logits = gather(dense_real_logits(tnet, teacher_in)[1],
                              world)
    out = model.dense_mix_loss(
        gather(logits, world), gather(attn, world),
        gather(targets, world),
        plan.lambda_chunks(h * w, m * world, fmap.device), t_logits,
        model.teacher is not None and model.teacher.mix_probs)
    # the head's loss_weight on the classification term (eq. 9's
    # distillation term is the paper's, unscaled)
    cls = soft_ce_weight(model.head.loss_module) * out.cls
    if t_logits is None:
        return dict(loss=cls, acc_soft=out.acc)
    return dict(**model.teacher.combine(cls, out.distill),
                acc_soft=out.acc)
