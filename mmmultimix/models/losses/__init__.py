from .dense_multimix_loss import DenseMultiMixLoss
from .weighted_soft_ce import WeightedSoftCrossEntropyLoss

__all__ = ['DenseMultiMixLoss', 'WeightedSoftCrossEntropyLoss']
