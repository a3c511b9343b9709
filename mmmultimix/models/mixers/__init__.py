from .base import BaseMixer
from .cutmix import CutMix
from .input_mixup import InputMixup
from .manifold_mixup import ManifoldMixup
from .multimix import MultiMix
from .plan import (EMBEDDING, DenseMultiMixPlan, MixPlan, MultiMixPlan,
                   PairPlan)

__all__ = [
    'BaseMixer', 'CutMix', 'InputMixup', 'ManifoldMixup', 'MultiMix',
    'MixPlan', 'PairPlan', 'MultiMixPlan', 'DenseMultiMixPlan', 'EMBEDDING'
]
