"""Registered modules (mmpretrain's MODELS registry)."""
from .backbones import PreActResNet, StagedBackbone, WideResNet
from .classifiers import MultiMixClassifier
from .data_preprocessors import MultiViewClsDataPreprocessor
from .heads import DenseLinearClsHead
from .losses import WeightedSoftCrossEntropyLoss
from .mixers import (EMBEDDING, BaseMixer, CutMix, InputMixup,
                     ManifoldMixup, MixPlan, MultiMix)

__all__ = [
    'PreActResNet', 'StagedBackbone', 'WideResNet', 'MultiMixClassifier',
    'DenseLinearClsHead', 'WeightedSoftCrossEntropyLoss', 'EMBEDDING',
    'BaseMixer', 'CutMix', 'InputMixup', 'ManifoldMixup', 'MixPlan', 'MultiMix',
    'MultiViewClsDataPreprocessor'
]
