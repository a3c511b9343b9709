"""Build-time checks of a ``MultiMixClassifier``'s parts: each error names
the config key and what fits."""
from ..mixers import EMBEDDING, FEATURE_MAP
from ..utils import (affine_classifier, check_labels,
                     check_soft_target_loss, check_staged)

__all__ = [
    'check_dense_head', 'check_mixer', 'check_batch_augments',
    'check_mixing_head', 'hard_accuracy'
]


def check_dense_head(model, key: str) -> None:
    """``key`` needs ``DenseLinearClsHead`` and the feature map at it."""
    if not hasattr(model.head, 'dense_logits'):
        raise ValueError(f'{key} needs a dense head '
                         "(model.head.type='DenseLinearClsHead'), got "
                         f'{type(model.head).__name__}')
    if model.with_neck:
        raise ValueError(f'{key} needs the feature map at the head: set '
                         'model.neck=None (the dense head pools at '
                         'inference)')


def check_mixer(model, mixer) -> None:
    """Every layer the mixer may interpolate at exists; dense and
    cross-rank plans fit the head."""
    for layer in mixer.candidate_layers():
        if layer not in (EMBEDDING, FEATURE_MAP):
            check_staged(model.backbone, layer, 'model.mixer.layer')
    if model.head is None:  # a feature extractor: loss() says what is missing
        return
    affine = affine_classifier(model.head) is not None
    if getattr(mixer, 'dense', False):
        check_dense_head(model, 'model.mixer.dense=True')
        if mixer.attention == 'cam' and not affine:
            raise ValueError("model.mixer.attention='cam' needs a linear "
                             f'classifier head; {type(model.head).__name__} '
                             'is not linear')
    if getattr(mixer, 'cross_rank', False) and (
            not affine or not model.interpolate_logits):
        raise ValueError('model.mixer.cross_rank=True gathers logits: '
                         'it needs an affine head and '
                         'interpolate_logits=True')


def check_batch_augments(model, mixes: bool) -> None:
    """mmpretrain's batch augments (``train_cfg.augments``, which
    ``ImageClassifier`` moves to ``data_preprocessor.batch_augments``, or
    that key itself) are refused with a mixer or a teacher (``mixes``):
    they would mix the student's view a second time, or mix it while the
    teacher's view passes unmixed. Without either they mean what
    mmpretrain says."""
    pre = getattr(model, 'data_preprocessor', None)
    if mixes and getattr(pre, 'batch_augments', None) is not None:
        raise ValueError(
            'batch augments (model.train_cfg.augments or '
            'model.data_preprocessor.batch_augments) cannot be combined '
            'with model.mixer or model.distill: the mixer is this '
            "classifier's batch augment, and the teacher's view would pass "
            'unmixed; use model.mixer (InputMixup, CutMix, MultiMix, ...) '
            'and remove the batch augments')


def check_mixing_head(model) -> None:
    """The head can train on mixed targets: one logits tensor (not
    ``ConformerHead``'s pair) and a loss that takes soft targets."""
    from mmpretrain.models.heads import ConformerHead
    if isinstance(model.head, ConformerHead):
        raise ValueError(
            'model.head (ConformerHead) returns a pair of logits; mixing '
            '(model.mixer), model.distill and model.dense_loss need a head '
            'with one logits tensor (LinearClsHead, '
            'VisionTransformerClsHead, StackedLinearClsHead, ...); without '
            'them it trains as in ImageClassifier')
    c = getattr(model.head, 'num_classes', None)
    if c is not None:
        check_soft_target_loss(getattr(model.head, 'loss_module', None), c)


def hard_accuracy(head, logits, data_samples) -> dict:
    """``accuracy_top-k`` of hard labels as mmpretrain's ``ClsHead``
    logs them with ``cal_acc`` (top-k of ``head.topk``)."""
    from mmpretrain.evaluation import Accuracy
    labels = check_labels(data_samples, head.num_classes).to(logits.device)
    acc = Accuracy.calculate(logits.detach(), labels, topk=head.topk)
    return {f'accuracy_top-{k}': a for k, a in zip(head.topk, acc)}
