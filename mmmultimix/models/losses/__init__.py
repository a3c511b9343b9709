from .dense_multimix_loss import DenseMultiMixLoss
from .softmax_bce import SoftmaxBCELoss
from .weighted_soft_ce import WeightedSoftCrossEntropyLoss

__all__ = [
    'DenseMultiMixLoss', 'SoftmaxBCELoss', 'WeightedSoftCrossEntropyLoss'
]
