from .base import BaseMixer
from .input_mixup import InputMixup
from .manifold_mixup import ManifoldMixup
from .multimix import MultiMix
from .plan import EMBEDDING, MixPlan

__all__ = [
    'BaseMixer', 'InputMixup', 'ManifoldMixup', 'MultiMix', 'MixPlan',
    'EMBEDDING'
]
