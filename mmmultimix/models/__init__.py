"""Registered modules (mmpretrain's MODELS registry)."""
from .backbones import PreActResNet, StagedBackbone, WideResNet
from .classifiers import MultiMixClassifier
from .data_preprocessors import MultiViewClsDataPreprocessor
from .distill import ClassifierNet, EMATeacher
from .heads import DenseLinearClsHead
from .losses import (DenseMultiMixLoss, SoftmaxBCELoss,
                     WeightedSoftCrossEntropyLoss)
from .mixers import (EMBEDDING, FEATURE_MAP, AlignMixup, AlignMixupPlan,
                     BaseMixer, CutMix, DenseMultiMixPlan, InputMixup,
                     ManifoldMixup, MixPlan, MultiMix, MultiMixPlan,
                     PairPlan, PuzzleMix, PuzzleMixPlan, SaliencyMix,
                     SaliencyMixPlan, ZetaMixup, ZetaMixupPlan)

__all__ = [
    'PreActResNet', 'StagedBackbone', 'WideResNet', 'MultiMixClassifier',
    'DenseLinearClsHead', 'WeightedSoftCrossEntropyLoss', 'DenseMultiMixLoss',
    'EMBEDDING', 'BaseMixer', 'CutMix', 'InputMixup', 'ManifoldMixup',
    'MixPlan', 'PairPlan', 'MultiMixPlan', 'DenseMultiMixPlan', 'MultiMix',
    'MultiViewClsDataPreprocessor', 'ClassifierNet', 'EMATeacher',
    'SoftmaxBCELoss', 'FEATURE_MAP', 'AlignMixup', 'AlignMixupPlan',
    'PuzzleMix', 'PuzzleMixPlan', 'SaliencyMix', 'SaliencyMixPlan',
    'ZetaMixup', 'ZetaMixupPlan'
]
