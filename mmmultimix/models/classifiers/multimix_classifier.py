"""Image classifier trained with MultiMix (or another mixer)."""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmmultimix import functional as Fm
from ..mixers import EMBEDDING, BaseMixer, MixPlan
from ..utils import affine_classifier, check_staged, forward_stages
from ..utils.staged import num_stages

__all__ = ['MultiMixClassifier']


@MODELS.register_module()
class MultiMixClassifier(ImageClassifier):
    """:class:`ImageClassifier` whose training loss interpolates.

    Only :meth:`loss` differs from the parent: inference (``predict``,
    ``tensor`` mode) is the unchanged classifier, so a checkpoint loads into
    a plain ``ImageClassifier`` config.

    Per batch the ``mixer`` samples a :class:`MixPlan`; the classifier runs
    the network up to the plan's layer, interpolates there and finishes the
    forward pass; the loss is the soft-target cross-entropy ``H(Ỹ, P̃)``
    (eq. 1 / eq. 8).

    When the plan interpolates the final embedding and the head is affine
    (``LinearClsHead``, ``VisionTransformerClsHead``), logits of the ``m``
    real examples are interpolated instead of embeddings:
    ``Λᵀ(ZWᵀ + b) = (ΛᵀZ)Wᵀ + b`` exactly, because every column of ``Λ`` sums
    to 1 — ``n × c`` work instead of ``n × d``.

    Args:
        backbone (dict): backbone config.
        neck (dict, optional): neck config.
        head (dict): head config.
        mixer (dict, optional): ``MultiMix``, ``InputMixup`` or
            ``ManifoldMixup`` config; None trains without mixing (soft
            cross-entropy on one-hot targets).
        interpolate_logits (bool): use the logit-space shortcut when the
            head is affine. Defaults to True.
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
                 interpolate_logits: bool = True,
                 loss: dict = dict(type='WeightedSoftCrossEntropyLoss'),
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if mixer is not None and train_cfg and train_cfg.get('augments'):
            raise ValueError('model.train_cfg.augments (input batch augments) '
                             'cannot be combined with model.mixer')
        super().__init__(backbone, neck, head, pretrained, train_cfg,
                         data_preprocessor, init_cfg)
        if head is None:
            raise ValueError('model.head is required by MultiMixClassifier')
        if mixer is not None and not isinstance(mixer, BaseMixer):
            mixer = MODELS.build(mixer)
        self.mixer = mixer
        self.interpolate_logits = bool(interpolate_logits)
        if not isinstance(loss, torch.nn.Module):
            loss = MODELS.build(loss)
        self.mix_loss = loss
        if mixer is not None:
            for layer in mixer.candidate_layers():
                if layer != EMBEDDING:
                    check_staged(self.backbone, layer, 'model.mixer.layer')
            if getattr(mixer, 'dense', False):
                self._check_dense(mixer)

    def _check_dense(self, mixer) -> None:
        if not hasattr(self.head, 'dense_logits'):
            raise ValueError('model.mixer.dense=True needs a dense head '
                             "(model.head.type='DenseLinearClsHead'), got "
                             f'{type(self.head).__name__}')
        if self.with_neck:
            raise ValueError('model.mixer.dense=True needs the feature map at '
                             'the head: set model.neck=None (the dense head '
                             'pools at inference)')
        if mixer.attention == 'cam' and affine_classifier(self.head) is None:
            raise ValueError("model.mixer.attention='cam' needs a linear "
                             f'classifier head; {type(self.head).__name__} '
                             'is not linear')

    @property
    def num_classes(self) -> int:
        return int(self.head.num_classes)

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
    def mixed_logits(self, inputs: Tensor, targets: Tensor,
                     plan: MixPlan) -> Tuple[Tensor, Tensor]:
        """Logits ``(n, c)`` of the interpolated batch and its targets."""
        if plan.layer == EMBEDDING:
            feats = self.extract_feat(inputs)
            fc = affine_classifier(self.head)
            if fc is not None and self.interpolate_logits:
                logits = fc(self.head.pre_logits(feats))
                return plan.mix(logits, targets)
            mixed, mixed_targets = [], None
            for f in feats:
                f_mixed, mixed_targets = plan.mix(f, targets)
                mixed.append(f_mixed)
            return self.head(tuple(mixed)), mixed_targets
        x = forward_stages(self.backbone, inputs, 0, plan.layer)
        x, mixed_targets = plan.mix(x, targets)
        if plan.layer == 0:
            feats = self.backbone(x)
        else:
            k = num_stages(self.backbone)
            feats = (forward_stages(self.backbone, x, plan.layer, k), )
        if self.with_neck:
            feats = self.neck(feats)
        return self.head(feats), mixed_targets

    def dense_mixed_logits(self, inputs: Tensor, targets: Tensor,
                           plan: MixPlan) -> Tuple[Tensor, Tensor, Tensor]:
        """Dense MultiMix (eqs. 10–14): logits ``(n, r, c)``, targets
        ``(n, r, c)`` and loss weights ``s`` ``(n, r)``.

        With ``interpolate_logits`` the 1×1-conv classifier runs on the
        ``m`` real feature maps and ``M̂ᵀ`` is applied to the ``m × c × r``
        logits (exact: columns of ``M̂`` sum to 1); no ``n × r × d`` tensor
        is formed.
        """
        fmap = self.head.dense_map(self.backbone(inputs))
        m, _, h, w = fmap.shape
        weight = self.head.fc.weight if plan.attention == 'cam' else None
        attn = Fm.spatial_attention(fmap, plan.attention, plan.attention_norm,
                                    weight, targets)
        lam = self.mixer.sample_dense(h * w, m, fmap.device)
        if self.interpolate_logits:
            mhat, weights = Fm.dense_mix_weights(attn, lam)
            logits = Fm.dense_interpolate(self.head.dense_logits(fmap), mhat)
            return logits, Fm.dense_mix_targets(targets, mhat), weights
        mixed, mixed_targets, weights = Fm.dense_multimix(
            fmap, targets, attn, lam)
        logits = self.head.dense_logits(mixed).transpose(1, 2)
        return logits, mixed_targets, weights

    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        """Soft-target cross-entropy of the interpolated batch (eq. 8), or
        the weighted dense loss (eq. 15) for dense plans."""
        targets = self.soft_targets(data_samples, inputs.device)
        if self.mixer is None:
            logits = self.head(self.extract_feat(inputs))
            return dict(loss=self.mix_loss(logits, targets))
        plan = self.mixer.sample(inputs.shape[0], inputs.device)
        if plan.dense:
            logits, mixed_targets, weights = self.dense_mixed_logits(
                inputs, targets, plan)
            return dict(loss=self.mix_loss(logits, mixed_targets, weights))
        logits, mixed_targets = self.mixed_logits(inputs, targets, plan)
        return dict(loss=self.mix_loss(logits, mixed_targets))
