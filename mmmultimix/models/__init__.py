"""Registered modules (mmpretrain's MODELS registry)."""
from .backbones import PreActResNet, StagedBackbone, WideResNet
from .classifiers import MultiMixClassifier
from .data_preprocessors import MultiViewClsDataPreprocessor
from .distill import ClassifierNet, EMATeacher
from .heads import DenseLinearClsHead
from .losses import DenseMultiMixLoss, WeightedSoftCrossEntropyLoss
from .mixers import (EMBEDDING, BaseMixer, CutMix, DenseMultiMixPlan,
                     InputMixup, ManifoldMixup, MixPlan, MultiMix,
                     MultiMixPlan, PairPlan)

__all__ = [
    'PreActResNet', 'StagedBackbone', 'WideResNet', 'MultiMixClassifier',
    'DenseLinearClsHead', 'WeightedSoftCrossEntropyLoss', 'DenseMultiMixLoss',
    'EMBEDDING', 'BaseMixer', 'CutMix', 'InputMixup', 'ManifoldMixup',
    'MixPlan', 'PairPlan', 'MultiMixPlan', 'DenseMultiMixPlan', 'MultiMix',
    'MultiViewClsDataPreprocessor', 'ClassifierNet', 'EMATeacher'
]
