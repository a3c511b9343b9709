"""Image classifier trained with MultiMix (or another mixer), optionally with
online self-distillation from an EMA teacher."""
from typing import List, NamedTuple, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmmultimix import functional as Fm
from ..losses import WeightedSoftCrossEntropyLoss
from ..mixers import EMBEDDING, BaseMixer, MixPlan
from ..utils import (ClassifierNet, EMATeacher, affine_classifier,
                     check_staged, forward_stages, num_stages)

__all__ = ['MultiMixClassifier']


class _GatherWithGrad(torch.autograd.Function):
    """All-gather along dim 0 whose backward sums every rank's gradient of
    the gathered tensor and returns this rank's slice. (Written out because
    ``torch.distributed.nn.all_gather`` sends non-contiguous gradients to
    gloo's all-to-all, which then reads the wrong memory.)"""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        import torch.distributed as dist
        ctx.rank, ctx.world = dist.get_rank(), dist.get_world_size()
        x = x.contiguous()
        out = [torch.empty_like(x) for _ in range(ctx.world)]
        dist.all_gather(out, x)
        return torch.cat(out, dim=0)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        import torch.distributed as dist
        grad = grad.contiguous()
        dist.all_reduce(grad)
        m = grad.shape[0] // ctx.world
        return grad[ctx.rank * m:(ctx.rank + 1) * m]


def _gather(x: Tensor, world: int) -> Tensor:
    """All-gather along dim 0 over ``world`` ranks (equal batch sizes, as
    mmengine's DefaultSampler pads); differentiable."""
    if world == 1:
        return x
    if not x.requires_grad:
        import torch.distributed as dist
        out = [torch.empty_like(x) for _ in range(world)]
        dist.all_gather(out, x.contiguous())
        return torch.cat(out, dim=0)
    return _GatherWithGrad.apply(x)


def _at_least_fp32(x: Tensor) -> Tensor:
    return x.to(torch.promote_types(x.dtype, torch.float32))


class MixedOutput(NamedTuple):
    """Logits of an interpolated batch: ``(n, c)``, or ``(n, r, c)`` dense;
    ``targets`` alike; ``weights`` ``(n, r)`` for dense (eq. 15), else None;
    ``mhat`` the dense ``M̂`` ``(r, m, n)`` (shared with the teacher)."""
    logits: Tensor
    targets: Tensor
    weights: Optional[Tensor] = None
    mhat: Optional[Tensor] = None


@MODELS.register_module()
class MultiMixClassifier(ImageClassifier):
    """:class:`ImageClassifier` whose training loss interpolates.

    Only :meth:`loss` differs from the parent: inference (``predict``,
    ``tensor`` mode) is the unchanged classifier, so a checkpoint loads into
    a plain ``ImageClassifier`` config (its ``teacher.*`` keys aside).

    Per batch the ``mixer`` samples a :class:`MixPlan`; the classifier runs
    the network up to the plan's layer, interpolates there and finishes the
    forward pass; the loss is the soft-target cross-entropy ``H(Ỹ, P̃)``
    (eq. 1 / eq. 8), or the weighted dense loss (eq. 15) for dense plans.

    When the plan interpolates the final embedding and the head is affine
    (``LinearClsHead``, ``VisionTransformerClsHead``,
    ``DenseLinearClsHead``), logits of the ``m`` real examples are
    interpolated instead of embeddings: ``Λᵀ(ZWᵀ + b) = (ΛᵀZ)Wᵀ + b``
    exactly, because every column of ``Λ`` (or ``M̂``) sums to 1. Dense
    plans with the default loss go further: the weights, the mixed logits
    and targets and eq. 15 are one fused pass over chunks of ``Λ``
    (:func:`~mmmultimix.functional.dense_multimix_loss`), so neither ``M̂``
    ``(r, m, n)`` nor the ``(n, r, c)`` logits are stored.

    Self-distillation (§3.3, eq. 9) with ``distill=dict(gamma=0.5)``: the
    classifier owns ``teacher``, an EMA of its backbone/neck/head updated by
    ``EMASelfDistillHook``; inputs may carry two views ``(2, m, C, H, W)``
    (``MultiViewClsDataPreprocessor``), the student sees view 0 and the
    teacher view 1 (a single view is shared). Student and teacher are mixed
    with the same plan (same ``Λ``, same permutation, for dense the same
    ``M̂``), and the loss is ``γ H(Ỹ, P̃) + (1 − γ) H(P̃', P̃)``. The teacher
    runs under ``no_grad`` in training mode (batch statistics of its view,
    as Mean Teacher / BYOL); its BN running statistics are copies of the
    student's.

    Args:
        backbone (dict): backbone config.
        neck (dict, optional): neck config.
        head (dict): head config.
        mixer (dict, optional): ``MultiMix``, ``InputMixup`` or
            ``ManifoldMixup`` config; None trains without mixing (soft
            cross-entropy on one-hot targets).
        distill (dict, optional): self-distillation: ``gamma`` in ``[0, 1]``
            (default 0.5), ``momentum`` of the EMA teacher in ``(0, 1)``
            (mmengine convention, ``1 − decay``; default 0.001; the hook may
            schedule it) and ``frozen_teacher`` (two-stage variant of A.5:
            a checkpoint path whose ``backbone/neck/head`` weights initialise
            a teacher that is never updated and predicts in eval mode). None
            disables distillation.
        interpolate_logits (bool): use the logit-space shortcut when the
            head is affine. Defaults to True.
        dense_loss (bool): the dense loss (§3.4, Table 9) for plans that are
            not dense MultiMix (no mixer, input/manifold mixup, CutMix,
            vanilla MultiMix): the 1×1-conv classifier scores every
            position of the (mixed) feature map against the example's
            (mixed) target, averaged over positions. Needs
            ``DenseLinearClsHead`` and no neck. Defaults to False.
        predict_with (str): network used by ``predict`` / ``tensor`` mode:
            ``'student'`` (default) or ``'teacher'`` (needs ``distill``).
        loss (dict): loss on mixed (soft, optionally weighted) targets.
            Defaults to ``WeightedSoftCrossEntropyLoss`` (eqs. 1 / 15).
        pretrained, train_cfg, data_preprocessor, init_cfg: as in
            :class:`ImageClassifier`. ``train_cfg.augments`` (input batch
            augments of the data preprocessor) cannot be combined with a
            mixer.
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 mixer: Optional[dict] = None,
                 distill: Optional[dict] = None,
                 interpolate_logits: bool = True,
                 dense_loss: bool = False,
                 predict_with: str = 'student',
                 loss: dict = dict(type='WeightedSoftCrossEntropyLoss'),
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if mixer is not None and train_cfg and train_cfg.get('augments'):
            raise ValueError('model.train_cfg.augments (input batch augments) '
                             'cannot be combined with model.mixer')
        if isinstance(data_preprocessor, dict):
            data_preprocessor.setdefault('type',
                                         'MultiViewClsDataPreprocessor')
        super().__init__(backbone, neck, head, pretrained, train_cfg,
                         data_preprocessor, init_cfg)
        if head is None:
            raise ValueError('model.head is required by MultiMixClassifier')
        if mixer is not None and not isinstance(mixer, BaseMixer):
            mixer = MODELS.build(mixer)
        self.mixer = mixer
        self.interpolate_logits = bool(interpolate_logits)
        if not isinstance(loss, nn.Module):
            loss = MODELS.build(loss)
        self.mix_loss = loss
        self.dense_loss = bool(dense_loss)
        if self.dense_loss:
            self._check_dense_head('model.dense_loss=True')
        if mixer is not None:
            for layer in mixer.candidate_layers():
                if layer != EMBEDDING:
                    check_staged(self.backbone, layer, 'model.mixer.layer')
            if getattr(mixer, 'dense', False):
                self._check_dense(mixer)
            if getattr(mixer, 'cross_rank', False) and (
                    affine_classifier(self.head) is None
                    or not self.interpolate_logits):
                raise ValueError('model.mixer.cross_rank=True gathers logits: '
                                 'it needs an affine head and '
                                 'interpolate_logits=True')
        self._init_distill(distill)
        if predict_with not in ('student', 'teacher'):
            raise ValueError("model.predict_with must be 'student' or "
                             f"'teacher', got {predict_with!r}")
        if predict_with == 'teacher' and self.teacher is None:
            raise ValueError("model.predict_with='teacher' needs a teacher "
                             '(model.distill)')
        self.predict_with = predict_with

    # ------------------------------------------------------------ set-up
    def _check_dense_head(self, key: str) -> None:
        if not hasattr(self.head, 'dense_logits'):
            raise ValueError(f'{key} needs a dense head '
                             "(model.head.type='DenseLinearClsHead'), got "
                             f'{type(self.head).__name__}')
        if self.with_neck:
            raise ValueError(f'{key} needs the feature map at the head: set '
                             'model.neck=None (the dense head pools at '
                             'inference)')

    def _check_dense(self, mixer) -> None:
        self._check_dense_head('model.mixer.dense=True')
        if mixer.attention == 'cam' and affine_classifier(self.head) is None:
            raise ValueError("model.mixer.attention='cam' needs a linear "
                             f'classifier head; {type(self.head).__name__} '
                             'is not linear')

    def _init_distill(self, distill: Optional[dict]) -> None:
        self.teacher = None
        self.distill_gamma = None
        self.frozen_teacher = False
        if distill is None:
            return
        distill = dict(distill)
        unknown = set(distill) - {'gamma', 'momentum', 'frozen_teacher'}
        if unknown:
            raise ValueError(f'model.distill has unknown keys {sorted(unknown)}'
                             "; valid: 'gamma', 'momentum', 'frozen_teacher'")
        gamma = float(distill.get('gamma', 0.5))
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f'model.distill.gamma must lie in [0, 1], got '
                             f'{gamma}')
        momentum = float(distill.get('momentum', 0.001))
        if not 0.0 < momentum < 1.0:
            raise ValueError('model.distill.momentum must lie in (0, 1) '
                             '(mmengine convention: 1 - decay), got '
                             f'{momentum}')
        self.distill_gamma = gamma
        self.teacher = EMATeacher(self._student_net(), momentum)
        ckpt = distill.get('frozen_teacher')
        if ckpt is not None:
            self.frozen_teacher = True
            self._frozen_teacher_ckpt = ckpt

    def init_weights(self):
        super().init_weights()
        if self.teacher is None:
            return
        # the teacher starts as a copy of the initialised student
        self.teacher.module.load_state_dict(self._student_net().state_dict())
        if self.frozen_teacher:
            self.load_frozen_teacher(self._frozen_teacher_ckpt)

    def load_frozen_teacher(self, path: str) -> None:
        """Loads the student weights (``backbone/neck/head``) of one of our
        classification checkpoints into the (frozen) teacher, strictly."""
        from mmengine.runner.checkpoint import _load_checkpoint
        ckpt = _load_checkpoint(path, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        state = {
            k: v
            for k, v in state.items()
            if k.split('.', 1)[0] in ('backbone', 'neck', 'head')
        }
        self.teacher.module.load_state_dict(state, strict=True)

    def _student_net(self) -> ClassifierNet:
        return ClassifierNet(self.backbone, self.neck, self.head)

    @torch.no_grad()
    def update_teacher(self, momentum: Optional[float] = None) -> None:
        """One EMA step of the teacher towards the student (no-op for a
        frozen teacher). Called by ``EMASelfDistillHook``."""
        if self.teacher is None or self.frozen_teacher:
            return
        if momentum is not None:
            self.teacher.momentum = float(momentum)
        self.teacher.update_parameters(self._student_net())
        import torch.distributed as dist
        if dist.is_available() and dist.is_initialized() and \
                dist.get_world_size() > 1:
            # parameters are identical on every rank (DDP); BN statistics
            # are per rank (mmengine does not broadcast buffers): the
            # teacher takes their mean, so it is identical on every rank
            world = dist.get_world_size()
            for buf in self.teacher.module.buffers():
                if buf.is_floating_point():
                    dist.all_reduce(buf)
                    buf.div_(world)

    @staticmethod
    def _check_finite(logits: Tensor) -> None:
        """Fails fast, naming the iteration, on NaN / inf logits (one
        device sync per step)."""
        if bool(torch.isfinite(logits).all()):
            return
        from mmengine.logging import MessageHub
        it = MessageHub.get_current_instance().get_info('iter')
        raise FloatingPointError(
            f'non-finite logits (NaN or inf) at training iteration {it}: '
            'the features diverged; lower optim_wrapper.optimizer.lr, check '
            'the data, or use --amp only with bf16')

    def _check_teacher_updated(self) -> None:
        """Fail fast when an EMA teacher is never updated (no hook)."""
        if not self.training or self.frozen_teacher:
            return
        self._distill_calls = getattr(self, '_distill_calls', 0) + 1
        if self._distill_calls > 2 and int(self.teacher.steps) == 0:
            raise RuntimeError(
                'model.distill is set but the EMA teacher is never updated: '
                "add custom_hooks=[dict(type='EMASelfDistillHook')] to the "
                'config (or call model.update_teacher() after each step)')

    @property
    def num_classes(self) -> int:
        return int(self.head.num_classes)

    # ------------------------------------------------------------ inference
    @property
    def predict_net(self) -> nn.Module:
        """The network evaluated by ``predict`` (student or teacher)."""
        return self.teacher.module if self.predict_with == 'teacher' else self

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'tensor' and self.predict_with == 'teacher':
            return self.teacher.module(inputs)
        return super().forward(inputs, data_samples, mode)

    def predict(self,
                inputs: Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """The parent's prediction, by the ``predict_with`` network, with the
        logits (``pred_logits``) and the embedding fed to the classifier
        (``embedding``) attached to every sample for the OOD and embedding
        metrics."""
        net = self.predict_net
        feats = net.extract_feat(inputs)
        preds = net.head.predict(feats, data_samples, **kwargs)
        logits = net.head(feats)
        emb = net.head.pre_logits(feats) if hasattr(net.head,
                                                    'pre_logits') else None
        for i, sample in enumerate(preds):
            sample.set_field(logits[i].detach(), 'pred_logits',
                             field_type='data')
            if emb is not None and emb.dim() == 2:
                sample.set_field(emb[i].detach(), 'embedding',
                                 field_type='data')
        return preds

    # ------------------------------------------------------------ targets
    def soft_targets(self, data_samples: List[DataSample], device) -> Tensor:
        """``(m, c)`` targets: stacked ``gt_score`` if present, else one-hot
        ``gt_label``. Raises if labels do not fit ``head.num_classes``."""
        c = self.num_classes
        if 'gt_score' in data_samples[0]:
            y = torch.stack([s.gt_score for s in data_samples]).to(device)
            if y.shape[1] != c:
                raise ValueError(f'gt_score has {y.shape[1]} classes but '
                                 f'model.head.num_classes = {c}')
            return y.float()
        labels = torch.cat([s.gt_label for s in data_samples]).to(device)
        if labels.numel() != len(data_samples):
            raise ValueError('MultiMixClassifier expects one gt_label per '
                             'sample (single-label classification)')
        if labels.numel() and (labels.min() < 0 or labels.max() >= c):
            raise ValueError(f'labels must lie in [0, {c - 1}] '
                             f'(model.head.num_classes = {c}), got '
                             f'[{int(labels.min())}, {int(labels.max())}]')
        return F.one_hot(labels.long(), c).float()

    # ------------------------------------------------------------ forward
    def mixed_logits(self, inputs: Tensor, targets: Tensor, plan: MixPlan,
                     net: Optional[nn.Module] = None) -> Tuple[Tensor, Tensor]:
        """Logits ``(n, c)`` of the interpolated batch and its targets, for
        the student (``net=None``) or the teacher network."""
        out = self._mixed(net or self, inputs, targets, plan)
        return out.logits, out.targets

    def _mixed(self, net, inputs: Tensor, targets: Tensor,
               plan: Optional[MixPlan],
               mhat: Optional[Tensor] = None) -> MixedOutput:
        if plan is not None and plan.dense:
            return self._dense_mixed(net, inputs, targets, plan, mhat)
        if self.dense_loss:
            return self._dense_loss_mixed(net, inputs, targets, plan)
        head = net.head
        if plan is None:
            return MixedOutput(head(net.extract_feat(inputs)), targets)
        if plan.layer == EMBEDDING:
            feats = net.extract_feat(inputs)
            fc = affine_classifier(head)
            if fc is not None and self.interpolate_logits:
                # mix in fp32 (cheap: m x c) also under autocast
                logits = _at_least_fp32(fc(head.pre_logits(feats)))
                return MixedOutput(*plan.mix(_gather(logits, plan.world),
                                             _gather(targets, plan.world)))
            mixed, mixed_targets = [], None
            for f in feats:
                f_mixed, mixed_targets = plan.mix(f, targets)
                mixed.append(f_mixed)
            return MixedOutput(head(tuple(mixed)), mixed_targets)
        feats, mixed_targets = self._forward_mixed_feats(
            net, inputs, targets, plan)
        if net.neck is not None:
            feats = net.neck(feats)
        return MixedOutput(head(feats), mixed_targets)

    def _forward_mixed_feats(self, net, inputs: Tensor, targets: Tensor,
                             plan: MixPlan) -> Tuple[tuple, Tensor]:
        """Backbone output of a batch mixed at an intermediate layer."""
        x = forward_stages(net.backbone, inputs, 0, plan.layer)
        x, mixed_targets = plan.mix(x, targets)
        if plan.layer == 0:
            return net.backbone(x), mixed_targets
        k = num_stages(net.backbone)
        return (forward_stages(net.backbone, x, plan.layer, k), ), \
            mixed_targets

    def _dense_loss_mixed(self, net, inputs: Tensor, targets: Tensor,
                          plan: Optional[MixPlan]) -> MixedOutput:
        """Per-position logits ``(n, r, c)`` for the dense loss of a
        non-dense plan; every position carries its example's target."""
        head = net.head
        if plan is None or plan.layer == EMBEDDING:
            logits = head.dense_logits(head.dense_map(net.backbone(inputs)))
            if plan is not None:  # exact: mixing commutes with the 1x1 conv
                logits, targets = plan.mix(logits, targets)
        else:
            feats, targets = self._forward_mixed_feats(net, inputs, targets,
                                                       plan)
            logits = head.dense_logits(head.dense_map(feats))
        logits = logits.transpose(1, 2)  # (n, r, c)
        return MixedOutput(logits,
                           targets[:, None].expand(-1, logits.shape[1], -1))

    def _dense_mixed(self, net, inputs: Tensor, targets: Tensor,
                     plan: MixPlan, mhat: Optional[Tensor]) -> MixedOutput:
        """Dense MultiMix (eqs. 10–14): logits and targets ``(n, r, c)``,
        weights ``s`` ``(n, r)``. With ``interpolate_logits`` the 1×1-conv
        classifier runs on the ``m`` real maps and ``M̂ᵀ`` is applied to the
        ``m × c × r`` logits (exact); no ``n × r × d`` tensor is formed.
        ``mhat`` given (the teacher): reuse the student's ``M̂``."""
        head = net.head
        fmap = head.dense_map(net.backbone(inputs))
        m, _, h, w = fmap.shape
        weights = None
        world = plan.world
        if mhat is None:
            attn = self._dense_attention(head, fmap, targets, plan)
            lam = self.mixer.sample_dense(h * w, m * world, fmap.device)
            mhat, weights = Fm.dense_mix_weights(_gather(attn, world), lam)
        targets = _gather(targets, world)
        if self.interpolate_logits:
            logits = Fm.dense_interpolate(
                _gather(_at_least_fp32(head.dense_logits(fmap)), world), mhat)
        elif world > 1:
            raise ValueError('mixer.cross_rank needs interpolate_logits=True')
        else:
            z = Fm.dense_interpolate(fmap.flatten(2), mhat)  # (n, r, d)
            n = z.shape[0]
            mixed = z.transpose(1, 2).reshape(n, -1, h, w)
            logits = head.dense_logits(mixed).transpose(1, 2)
        return MixedOutput(logits, Fm.dense_mix_targets(targets, mhat),
                           weights, mhat)

    @staticmethod
    def _dense_attention(head, fmap: Tensor, targets: Tensor,
                         plan: MixPlan) -> Tensor:
        """Attention ``(m, r)`` of eq. 10 as the plan asks (CAM uses the
        head's classifier weight)."""
        weight = head.fc.weight if plan.attention == 'cam' else None
        return Fm.spatial_attention(fmap, plan.attention, plan.attention_norm,
                                    weight, targets)

    def _teacher_net(self) -> nn.Module:
        """The teacher network, in the mode it predicts in: an EMA teacher
        uses batch statistics (Mean Teacher / BYOL), a frozen pretrained
        teacher (two-stage) predicts in eval mode."""
        self._check_teacher_updated()
        tnet = self.teacher.module
        tnet.train(self.training and not self.frozen_teacher)
        return tnet

    @staticmethod
    def _split_views(inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """``(V, m, ...)`` views: student view 0, teacher view 1 (or 0)."""
        if inputs.dim() == 5:
            return inputs[0], inputs[min(1, inputs.shape[0] - 1)]
        return inputs, inputs

    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        """Loss of the interpolated batch: eq. 8 (eq. 15 for dense plans),
        plus eq. 9 with a teacher."""
        student_in, teacher_in = self._split_views(inputs)
        targets = self.soft_targets(data_samples, student_in.device)
        plan = None
        if self.mixer is not None:
            plan = self.mixer.sample(student_in.shape[0], student_in.device)
        if plan is not None and plan.dense and self._fused_dense():
            return self._fused_dense_loss(student_in, teacher_in, targets,
                                          plan)
        out = self._mixed(self, student_in, targets, plan)
        self._check_finite(out.logits)
        acc = self.soft_accuracy(out.logits, out.targets)
        if self.teacher is None:
            return dict(loss=self.mix_loss(out.logits, out.targets,
                                           out.weights), acc_soft=acc)
        tnet = self._teacher_net()
        with torch.no_grad():
            t_logits = self._mixed(tnet, teacher_in, targets, plan,
                                   out.mhat).logits
            t_probs = torch.softmax(_at_least_fp32(t_logits), dim=-1)
        gamma = self.distill_gamma
        cls = self.mix_loss(out.logits, out.targets, out.weights)
        dist = self.mix_loss(out.logits, t_probs, out.weights)
        return dict(loss_cls=gamma * cls, loss_distill=(1 - gamma) * dist,
                    acc_soft=acc)

    def _fused_dense(self) -> bool:
        """Dense plans take :func:`~mmmultimix.functional.dense_multimix_loss`
        (same loss and gradients, no ``(r, m, n)`` / ``(n, r, c)`` tensors)
        when logits are interpolated and the loss is the default eq. 15."""
        return self.interpolate_logits and \
            type(self.mix_loss) is WeightedSoftCrossEntropyLoss

    def _dense_real_logits(self, net, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """Feature map ``(m, d, h, w)`` and 1×1-conv logits ``(m, c, r)`` of
        the real examples."""
        fmap = net.head.dense_map(net.backbone(inputs))
        return fmap, _at_least_fp32(net.head.dense_logits(fmap))

    def _fused_dense_loss(self, student_in: Tensor, teacher_in: Tensor,
                          targets: Tensor, plan: MixPlan) -> dict:
        """Dense MultiMix (eqs. 10–15, and eq. 9 with a teacher) through the
        fused loss: attention and logits of the ``m`` real maps, ``Λ`` drawn
        chunk by chunk and consumed at once."""
        fmap, logits = self._dense_real_logits(self, student_in)
        self._check_finite(logits)
        m, _, h, w = fmap.shape
        world = plan.world
        attn = self._dense_attention(self.head, fmap, targets, plan)
        t_logits = None
        if self.teacher is not None:
            tnet = self._teacher_net()
            with torch.no_grad():
                t_logits = _gather(
                    self._dense_real_logits(tnet, teacher_in)[1], world)
        chunks = self.mixer.dense_chunks(h * w, m * world, fmap.device)
        out = Fm.dense_multimix_loss(
            _gather(logits, world), _gather(attn, world),
            _gather(targets, world), chunks, t_logits)
        lw = self.mix_loss.loss_weight
        if t_logits is None:
            return dict(loss=lw * out.cls, acc_soft=out.acc)
        gamma = self.distill_gamma
        return dict(loss_cls=gamma * lw * out.cls,
                    loss_distill=(1 - gamma) * lw * out.distill,
                    acc_soft=out.acc)

    @staticmethod
    @torch.no_grad()
    def soft_accuracy(logits: Tensor, targets: Tensor) -> Tensor:
        """Training accuracy under mixed targets, in %: agreement of the
        predicted class with the argmax of the (mixed) target, over all
        interpolated examples (and positions, for dense). Logged as
        ``acc_soft``; hard accuracy is meaningless for mixed labels."""
        return 100.0 * (logits.argmax(-1) == targets.argmax(-1)).float().mean()
