from .alignmixup import AlignMixup
from .base import BaseMixer
from .baseline_plans import (FEATURE_MAP, AlignMixupPlan, PuzzleMixPlan,
                             SaliencyMixPlan, ZetaMixupPlan)
from .cutmix import CutMix
from .input_mixup import InputMixup
from .manifold_mixup import ManifoldMixup
from .multimix import MultiMix
from .plan import (EMBEDDING, DenseMultiMixPlan, MixPlan, MultiMixPlan,
                   PairPlan)
from .puzzlemix import PuzzleMix
from .saliencymix import SaliencyMix
from .zeta_mixup import ZetaMixup

__all__ = [
    'BaseMixer', 'CutMix', 'InputMixup', 'ManifoldMixup', 'MultiMix',
    'AlignMixup', 'ZetaMixup', 'PuzzleMix', 'SaliencyMix', 'MixPlan',
    'PairPlan', 'MultiMixPlan', 'DenseMultiMixPlan', 'AlignMixupPlan',
    'ZetaMixupPlan', 'SaliencyMixPlan', 'PuzzleMixPlan', 'EMBEDDING',
    'FEATURE_MAP'
]
