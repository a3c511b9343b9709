"""The network surgery of mixing: run a :class:`ClassifierNet`-like network
(the classifier or its teacher) on a batch with a :class:`MixPlan`,
dispatching on the plan's type. Pure functions of the network; the maths is
in :mod:`mmmultimix.functional`."""
from typing import NamedTuple, Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmmultimix import functional as Fm
from mmmultimix.functional import at_least_fp32, full_precision
from ..mixers import EMBEDDING, FEATURE_MAP, DenseMultiMixPlan, MixPlan
from ..utils import affine_classifier, forward_stages, num_stages
from ..utils.dist import gather

__all__ = [
    'MixedOutput', 'mixed_forward', 'dense_real_logits', 'dense_attention',
    'at_least_fp32'
]


class MixedOutput(NamedTuple):
    """Logits of an interpolated batch: ``(n, c)``, or ``(n, r, c)`` dense;
    ``targets`` alike; ``weights`` ``(n, r)`` for dense (eq. 15), else None;
    ``mhat`` the dense ``M̂`` ``(r, m, n)`` (shared with the teacher);
    ``is_probs``: ``logits`` holds interpolated probabilities
    (``mix_probs``)."""
    logits: Tensor
    targets: Tensor
    weights: Optional[Tensor] = None
    mhat: Optional[Tensor] = None
    is_probs: bool = False


def _mix(plan: MixPlan, x: Tensor, targets: Tensor):
    with full_precision(x):
        return plan.mix(at_least_fp32(x), targets)


def mixed_forward(net: nn.Module,
                  inputs: Tensor,
                  targets: Tensor,
                  plan: Optional[MixPlan],
                  interpolate_logits: bool = True,
                  dense_loss: bool = False,
                  mhat: Optional[Tensor] = None,
                  mix_probs: bool = False) -> MixedOutput:
    """Logits and targets of ``inputs`` mixed as ``plan`` says (None: no
    mixing). ``interpolate_logits``: mix the logits of an affine head
    instead of its embeddings (exact). ``dense_loss``: per-position logits
    for non-dense plans (Table 9). ``mhat``: the student's ``M̂`` for the
    teacher of a dense plan. ``mix_probs`` (a teacher's ``P̃′``): where the
    plan mixes logits, mix the per-example probabilities instead; the
    returned ``logits`` are then probabilities. A plan that needs a
    network pass first (PuzzleMix, SaliencyMix) has been through
    :func:`~.prepare_plan.prepare_plan`."""
    if isinstance(plan, DenseMultiMixPlan):
        return _dense(net, inputs, targets, plan, interpolate_logits, mhat,
                      mix_probs)
    if dense_loss:
        return _dense_loss(net, inputs, targets, plan)
    if plan is None:
        return MixedOutput(net.head(net.extract_feat(inputs)), targets)
    if plan.layer == EMBEDDING:
        return _at_embedding(net, inputs, targets, plan, interpolate_logits,
                             mix_probs)
    feats, mixed_targets = _backbone_mixed_at_layer(net, inputs, targets, plan)
    if net.neck is not None:
        feats = net.neck(feats)
    return MixedOutput(net.head(feats), mixed_targets)


def _probs(logits: Tensor, dim: int) -> Tensor:
    return torch.softmax(at_least_fp32(logits), dim=dim)


def _at_embedding(net, inputs: Tensor, targets: Tensor, plan: MixPlan,
                  interpolate_logits: bool, mix_probs: bool) -> MixedOutput:
    head = net.head
    feats = net.extract_feat(inputs)
    fc = affine_classifier(head)
    if fc is not None and interpolate_logits:
        # mix in fp32 (cheap: m x c) also under autocast
        logits = at_least_fp32(fc(head.pre_logits(feats)))
        if mix_probs:
            logits = _probs(logits, 1)
        return MixedOutput(*_mix(plan, gather(logits, plan.world),
                                 gather(targets, plan.world)),
                           is_probs=mix_probs)
    mixed, mixed_targets = [], None
    for f in feats:
        f_mixed, mixed_targets = _mix(plan, f, targets)
        mixed.append(f_mixed)
    return MixedOutput(head(tuple(mixed)), mixed_targets)


def _backbone_mixed_at_layer(net, inputs: Tensor, targets: Tensor,
                             plan: MixPlan) -> Tuple[tuple, Tensor]:
    """Backbone output of a batch mixed at an intermediate layer (or at
    the backbone's last feature map, ``FEATURE_MAP``)."""
    if plan.layer == FEATURE_MAP:
        feats = net.backbone(inputs)
        mixed, mixed_targets = _mix(plan, feats[-1], targets)
        return tuple(feats[:-1]) + (mixed, ), mixed_targets
    x = forward_stages(net.backbone, inputs, 0, plan.layer)
    x, mixed_targets = _mix(plan, x, targets)
    if plan.layer == 0:
        return net.backbone(x), mixed_targets
    k = num_stages(net.backbone)
    return (forward_stages(net.backbone, x, plan.layer, k), ), mixed_targets


def _dense_loss(net, inputs: Tensor, targets: Tensor,
                plan: Optional[MixPlan]) -> MixedOutput:
    """Per-position logits ``(n, r, c)`` for the dense loss of a non-dense
    plan; every position carries its example's target."""
    head = net.head
    if plan is None or plan.layer == EMBEDDING:
        logits = head.dense_logits(head.dense_map(net.backbone(inputs)))
        if plan is not None:  # exact: mixing commutes with the 1x1 conv
            logits, targets = _mix(plan, logits, targets)
    else:
        feats, targets = _backbone_mixed_at_layer(net, inputs, targets, plan)
        logits = head.dense_logits(head.dense_map(feats))
    logits = logits.transpose(1, 2)  # (n, r, c)
    return MixedOutput(logits,
                       targets[:, None].expand(-1, logits.shape[1], -1))


def dense_real_logits(net, inputs: Tensor) -> Tuple[Tensor, Tensor]:
    """Feature map ``(m, d, h, w)`` and 1×1-conv logits ``(m, c, r)`` (at
    least fp32) of the real examples."""
    fmap = net.head.dense_map(net.backbone(inputs))
    return fmap, at_least_fp32(net.head.dense_logits(fmap))


def dense_attention(head, fmap: Tensor, targets: Tensor,
                    plan: DenseMultiMixPlan) -> Tensor:
    """Attention ``(m, r)`` of eq. 10 as the plan asks (CAM uses the head's
    classifier weight); a constant (no gradient) unless
    ``plan.attention_grad``."""
    weight = head.fc.weight if plan.attention == 'cam' else None
    attn = Fm.spatial_attention(fmap, plan.attention, plan.attention_norm,
                                weight, targets)
    return attn if plan.attention_grad else attn.detach()


def _dense(net, inputs: Tensor, targets: Tensor, plan: DenseMultiMixPlan,
           interpolate_logits: bool, mhat: Optional[Tensor],
           mix_probs: bool = False) -> MixedOutput:
    """Dense MultiMix, the reference path (eqs. 10–14): logits and targets
    ``(n, r, c)``, weights ``s`` ``(n, r)``. With ``interpolate_logits``
    the 1×1-conv classifier runs on the ``m`` real maps and ``M̂ᵀ`` is
    applied to the ``m × c × r`` logits (exact); no ``n × r × d`` tensor
    is formed. ``mhat`` given (the teacher): reuse the student's ``M̂``."""
    head = net.head
    fmap = head.dense_map(net.backbone(inputs))
    m, _, h, w = fmap.shape
    weights = None
    world = plan.world
    if mhat is None:
        attn = dense_attention(head, fmap, targets, plan)
        with full_precision(fmap):
            lam = plan.sample_lambda(h * w, m * world, fmap.device)
            mhat, weights = Fm.dense_mix_weights(
                gather(at_least_fp32(attn), world), lam)
    targets = gather(targets, world)
    if interpolate_logits:
        real = at_least_fp32(head.dense_logits(fmap))  # (m, c, r)
        if mix_probs:
            real = _probs(real, 1)
        with full_precision(real):
            logits = Fm.dense_interpolate(gather(real, world), mhat)
    elif world > 1:
        raise ValueError('mixer.cross_rank needs interpolate_logits=True')
    else:
        with full_precision(fmap):
            z = Fm.dense_interpolate(at_least_fp32(fmap.flatten(2)), mhat)
        n = z.shape[0]
        mixed = z.transpose(1, 2).reshape(n, -1, h, w)
        logits = head.dense_logits(mixed).transpose(1, 2)
    with full_precision(fmap):
        mixed_targets = Fm.dense_mix_targets(targets, mhat)
    return MixedOutput(logits, mixed_targets, weights, mhat,
                       mix_probs and interpolate_logits)
