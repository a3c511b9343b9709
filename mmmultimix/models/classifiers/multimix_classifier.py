"""Image classifier trained with MultiMix (or another mixer), optionally with
online self-distillation from an EMA teacher."""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmmultimix import functional as Fm
from ..distill import ClassifierNet, EMATeacher
from ..mixers import BaseMixer, DenseMultiMixPlan, MixPlan
from ..utils import (PRECISIONS, MemoryLayout, attach_outputs,
                     autocast_context, check_finite, check_labels, head_loss,
                     resolve_precision, soft_accuracy, soft_ce_weight,
                     soft_targets)
from .fused_dense import fused_dense_loss
from .mixed_forward import mixed_forward
from .prepare_plan import prepare_plan
from .validation import (check_batch_augments, check_dense_head,
                         check_mixer, check_mixing_head, hard_accuracy)

__all__ = ['MultiMixClassifier']


def _build(cfg):
    return cfg if cfg is None or isinstance(cfg, nn.Module) else \
        MODELS.build(cfg)


@MODELS.register_module()
class MultiMixClassifier(ImageClassifier):
    """:class:`ImageClassifier` whose training loss interpolates.

    Only :meth:`loss` differs from the parent: inference (``predict``,
    ``tensor`` mode) is the unchanged classifier, so a checkpoint loads into
    a plain ``ImageClassifier`` config (its ``teacher.*`` keys aside).

    Per batch the ``mixer`` samples a plan (:mod:`..mixers.plan`); the
    network is run and mixed as the plan's type says
    (:func:`~.mixed_forward.mixed_forward`) and the loss is the head's
    configured loss (``model.head.loss``, as mmpretrain applies it to a
    batch augment's soft targets: ``loss_weight``, label smoothing,
    ``use_sigmoid``) on the mixed targets ``Ỹ`` (eq. 1 / eq. 8 with the
    default soft-target cross-entropy; :func:`~..utils.head_loss`).
    ``layer='embedding'`` mixes the head's input (after the neck); when
    the head is affine in it, logits of the ``m`` real examples are
    interpolated instead: ``Λᵀ(ZWᵀ + b) = (ΛᵀZ)Wᵀ + b`` exactly, as every
    column of ``Λ`` (or ``M̂``) sums to 1. Dense plans (§3.4) go through
    ``dense_mix_loss`` (:class:`DenseMultiMixLoss`: eqs. 10–15 fused over
    chunks of ``Λ``, no ``M̂`` stored) when the head's loss is the
    soft-target cross-entropy, else through the reference path with the
    head's loss weighted as eq. 15.

    Without a mixer, a teacher and ``dense_loss`` the loss is
    ``ImageClassifier``'s (``head.loss``: hard labels, ``cal_acc``); with
    them the head's loss takes one-hot targets on a batch the mixer leaves
    unmixed, and ``cal_acc`` logs the top-k accuracy of those batches,
    never of mixed ones. mmpretrain's batch augments
    (``train_cfg.augments`` or ``data_preprocessor.batch_augments``) are
    refused with a mixer or a teacher: the mixer is the batch augment.

    Self-distillation (§3.3, eq. 9) with ``distill=dict(gamma=0.5)``: the
    classifier owns ``teacher`` (:class:`EMATeacher`, updated by
    ``EMASelfDistillHook``); inputs may carry two views ``(2, m, C, H, W)``
    (``MultiViewClsDataPreprocessor``): the student sees view 0, the teacher
    view 1, both mixed with the same plan (same ``Λ``, same ``M̂``).

    Args:
        backbone, neck, head: as in :class:`ImageClassifier`.
        mixer (dict, optional): ``MultiMix``, ``InputMixup``,
            ``ManifoldMixup`` or ``CutMix``; None trains without mixing.
        distill (dict, optional): ``gamma`` in ``[0, 1]`` (default 0.5),
            ``momentum`` in ``(0, 1)`` (mmengine convention, ``1 − decay``;
            default 0.001), ``frozen_teacher`` (a checkpoint path: the
            two-stage variant of A.5), and :class:`EMATeacher`'s
            ``teacher_stats``, ``teacher_target`` and ``teacher_dtype``
            (the teacher's forward in fp32, bf16 or fp16; by default the
            run's ``precision``). None disables distillation.
        precision (str): the precision of the training forward passes,
            student and teacher: ``'fp32'`` (default), ``'bf16'``
            (autocast; CUDA, or a CPU with AVX512-BF16 / AMX), ``'fp16'``
            (autocast, CUDA; train it with mmengine's ``AmpOptimWrapper``
            for loss scaling, as ``tools/train.py --precision fp16`` does)
            or ``'auto'`` (bf16 where the device runs it natively, fp32
            elsewhere). Parameters, optimizer and the interpolation maths
            (``Λ``, mixing, targets, losses) stay fp32; evaluation runs in
            fp32.
        interpolate_logits (bool): use the logit-space shortcut when the
            head is affine. Defaults to True.
        dense_loss (bool): the dense loss (§3.4, Table 9) for plans that are
            not dense MultiMix: every position of the (mixed) feature map
            is scored against the example's (mixed) target. Needs
            ``DenseLinearClsHead`` and no neck. Defaults to False.
        predict_with (str): ``'student'`` (default) or ``'teacher'``.
        channels_last (bool): keep the convolution weights and the image
            batches of student and teacher in the channels-last memory
            layout (faster convolutions on many CPUs and on tensor-core
            GPUs; the values are unchanged). Defaults to False.
        dense_mix_loss (dict, optional): the fused loss of dense MultiMix
            plans, taken when the head's loss is the soft-target
            cross-entropy (its ``loss_weight`` applied). Defaults to
            ``DenseMultiMixLoss``. None (or ``interpolate_logits=False``,
            or any other head loss) takes the reference path: ``M̂`` and
            the ``(n, r, c)`` mixed logits are formed and the head's loss
            is applied with the weights of eq. 15.
        pretrained, train_cfg, data_preprocessor, init_cfg: as in
            :class:`ImageClassifier`; batch augments cannot be combined
            with a mixer or a teacher.

    The training loss is the head's (``model.head.loss``); a loss that
    cannot take soft targets is refused at build when a mixer, a teacher or
    ``dense_loss`` needs them. The distillation term of eq. 9 is the
    paper's soft-target cross-entropy ``H(P̃′, P̃)`` whatever the head's
    loss.
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
                 channels_last: bool = False,
                 precision: str = 'fp32',
                 dense_mix_loss: Optional[dict] = dict(
                     type='DenseMultiMixLoss'),
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 loss: Optional[dict] = None):
        if loss is not None:
            raise ValueError(
                'model.loss is not an option: the training loss is the '
                "head's (model.head.loss), as in ImageClassifier; move "
                f'{loss!r} to model.head.loss')
        if isinstance(data_preprocessor, dict):
            data_preprocessor.setdefault('type',
                                         'MultiViewClsDataPreprocessor')
        super().__init__(backbone, neck, head, pretrained, train_cfg,
                         data_preprocessor, init_cfg)
        # without a head the model extracts features, as ImageClassifier
        # allows (mode='tensor', extract_feat); loss() and predict() then
        # raise an error naming model.head
        self.mixer: Optional[BaseMixer] = _build(mixer)
        self.interpolate_logits = Fm.check_bool(
            interpolate_logits, 'model.interpolate_logits')
        self.dense_mix_loss = _build(dense_mix_loss)
        self.dense_loss = Fm.check_bool(dense_loss, 'model.dense_loss')
        if self.dense_loss:
            if head is None:
                raise ValueError('model.dense_loss=True needs model.head '
                                 "(type='DenseLinearClsHead'); got no head")
            check_dense_head(self, 'model.dense_loss=True')
        if self.mixer is not None:
            check_mixer(self, self.mixer)
        if distill is not None and head is None:
            raise ValueError('model.distill needs model.head: the teacher '
                             "predicts the student's classes; got no head "
                             '(a feature extractor)')
        check_batch_augments(self, mixer is not None or distill is not None)
        if head is not None and (self.mixer is not None or distill is not None
                                 or self.dense_loss):
            check_mixing_head(self)
        self.teacher = EMATeacher.from_config(distill, self._student_net())
        if predict_with not in ('student', 'teacher'):
            raise ValueError("model.predict_with must be 'student' or "
                             f"'teacher', got {predict_with!r}")
        if predict_with == 'teacher' and self.teacher is None:
            raise ValueError("model.predict_with='teacher' needs a teacher "
                             '(model.distill)')
        self.predict_with = predict_with
        if precision not in PRECISIONS:
            raise ValueError(f'model.precision must be one of {PRECISIONS}, '
                             f'got {precision!r}')
        self.precision = precision
        self._resolved = {}  # device -> precision: resolved (and warned) once
        self.layout = MemoryLayout(
            Fm.check_bool(channels_last, 'model.channels_last'))
        self.layout.apply(self)

    @property
    def channels_last(self) -> bool:
        return self.layout.enabled

    # ------------------------------------------------------------ teacher
    def _student_net(self) -> ClassifierNet:
        return ClassifierNet(self.backbone, self.neck, self.head)

    def init_weights(self):
        with self.layout.standard(self):  # same draws as the standard layout
            super().init_weights()
        if self.teacher is not None:
            self.teacher.init_from(self._student_net())

    def load_frozen_teacher(self, path: str) -> None:
        """Loads a checkpoint's student weights into the teacher."""
        self.teacher.load_frozen(path)

    def update_teacher(self, momentum: Optional[float] = None) -> None:
        """One EMA step of the teacher towards the student (no-op for a
        frozen teacher). Called by ``EMASelfDistillHook``."""
        if self.teacher is not None:
            self.teacher.step(self._student_net(), momentum)

    def _require_head(self, what: str) -> None:
        if not self.with_head:
            raise ValueError(
                f'{what} needs model.head: this MultiMixClassifier was built '
                'without one (a feature extractor: forward(mode="tensor") '
                'and extract_feat work); add a classification head to '
                'model.head to train or predict')

    @property
    def num_classes(self) -> int:
        self._require_head('num_classes')
        return int(self.head.num_classes)

    # ------------------------------------------------------------ inference
    @property
    def predict_net(self) -> nn.Module:
        """The network evaluated by ``predict`` (student or teacher)."""
        return self.teacher.module if self.predict_with == 'teacher' else self

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if isinstance(inputs, Tensor):
            inputs = self.layout.images(inputs)
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
        self._require_head('predict()')
        if data_samples and 'gt_label' in data_samples[0]:
            check_labels(data_samples, self.num_classes,
                         unlabelled_ok=True)
        net = self.predict_net
        feats = net.extract_feat(inputs)
        preds = net.head.predict(feats, data_samples, **kwargs)
        logits = net.head(feats)
        emb = net.head.pre_logits(feats) if hasattr(net.head,
                                                    'pre_logits') else None
        attach_outputs(preds, logits, emb)
        return preds

    # ------------------------------------------------------------ training
    def mixed_logits(self, inputs: Tensor, targets: Tensor, plan: MixPlan,
                     net: Optional[nn.Module] = None) -> Tuple[Tensor, Tensor]:
        """Logits ``(n, c)`` of the interpolated batch and its targets, for
        the student (``net=None``) or the teacher network."""
        out = self._mixed(net or self, inputs, targets, plan)
        return out.logits, out.targets

    def _mixed(self, net, inputs, targets, plan, mhat=None, mix_probs=False):
        return mixed_forward(net, inputs, targets, plan,
                             self.interpolate_logits, self.dense_loss, mhat,
                             mix_probs)

    @property
    def fused_dense(self) -> bool:
        """Whether dense plans take ``dense_mix_loss`` (the fused path):
        it is set, logits are interpolated and the head's loss is the
        soft-target cross-entropy."""
        return self.dense_mix_loss is not None and \
            self.interpolate_logits and \
            soft_ce_weight(self.head.loss_module) is not None

    def target_loss(self, logits: Tensor, targets: Tensor,
                    weights: Optional[Tensor] = None) -> Tensor:
        """The head's loss on (mixed, soft) targets; ``weights`` those of
        eq. 15 for per-position logits."""
        return head_loss(self.head.loss_module, logits, targets, weights)

    @staticmethod
    def _split_views(inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """``(V, m, ...)`` views: student view 0, teacher view 1 (or 0)."""
        if inputs.dim() == 5:
            return inputs[0], inputs[min(1, inputs.shape[0] - 1)]
        return inputs, inputs

    def _views(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        return tuple(self.layout.images(v) for v in self._split_views(inputs))

    def resolved_precision(self, device: torch.device) -> str:
        """``model.precision`` on ``device`` (``'auto'`` resolved; a
        precision the device cannot run is a ``ValueError``)."""
        if device not in self._resolved:
            self._resolved[device] = resolve_precision(
                self.precision, device, 'model.precision')
        return self._resolved[device]

    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        """Loss of the interpolated batch: eq. 8 (eq. 15 for dense plans),
        plus eq. 9 with a teacher; the forward passes in
        ``model.precision`` (fp32: whatever the optim wrapper sets)."""
        self._require_head('loss() (training)')
        precision = self.resolved_precision(inputs.device)
        if precision == 'fp32':
            return self._loss(inputs, data_samples)
        with autocast_context(precision, inputs.device):
            return self._loss(inputs, data_samples)

    def _loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        student_in, teacher_in = self._views(inputs)
        targets = soft_targets(data_samples, self.num_classes,
                               student_in.device)
        plan = None if self.mixer is None else self.mixer.sample(
            student_in.shape[0], student_in.device)
        if self.mixer is None and self.teacher is None and \
                not self.dense_loss:
            return self._plain_loss(student_in, data_samples)
        clean = prepare_plan(self, student_in, targets, plan)
        if isinstance(plan, DenseMultiMixPlan) and self.fused_dense:
            return fused_dense_loss(self, student_in, teacher_in, targets,
                                    plan)
        out = self._mixed(self, student_in, targets, plan)
        check_finite(out.logits)
        acc = dict(acc_soft=soft_accuracy(out.logits, out.targets))
        if plan is None and self.head.cal_acc:  # hard targets only
            acc.update(hard_accuracy(self.head, out.logits, data_samples))
        cls = self.target_loss(out.logits, out.targets, out.weights)
        aux = {} if clean is None else dict(loss_clean=clean)
        if self.teacher is None:
            return dict(loss=cls, **acc, **aux)
        tnet = self.teacher.net(self.training)
        with torch.no_grad(), self.teacher.autocast(teacher_in.device):
            t_probs = self.teacher.target_of(self._mixed(
                tnet, teacher_in, targets, plan, out.mhat,
                self.teacher.mix_probs))
        # eq. 9's distillation term: the paper's soft-target CE, always
        dist = Fm.weighted_soft_cross_entropy(out.logits, t_probs,
                                              out.weights)
        return dict(**self.teacher.combine(cls, dist), **acc, **aux)

    def _plain_loss(self, inputs: Tensor,
                    data_samples: List[DataSample]) -> dict:
        """No mixing, no teacher: ``ImageClassifier.loss`` (the head's
        ``loss`` on the labels, ``cal_acc``), failing fast on non-finite
        logits."""
        feats = self.extract_feat(inputs)
        if not hasattr(self.head, '_get_loss'):
            return self.head.loss(feats, data_samples)
        logits = self.head(feats)
        if isinstance(logits, Tensor):
            check_finite(logits)
        return self.head._get_loss(logits, data_samples)
