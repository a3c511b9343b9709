from .weighted_soft_ce import WeightedSoftCrossEntropyLoss

__all__ = ['WeightedSoftCrossEntropyLoss']
