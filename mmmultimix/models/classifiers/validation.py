"""Build-time checks of a ``MultiMixClassifier``'s parts: each error names
the config key and what fits."""
from ..mixers import EMBEDDING, FEATURE_MAP
from ..utils import affine_classifier, check_staged

__all__ = ['check_dense_head', 'check_mixer']


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
