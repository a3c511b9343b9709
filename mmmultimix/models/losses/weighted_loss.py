"""Base of our losses: a module with a ``loss_weight`` multiplier."""
import torch.nn as nn

__all__ = ['WeightedLoss']


class WeightedLoss(nn.Module):
    """A loss module scaled by ``loss_weight`` (mmpretrain's convention).

    Args:
        loss_weight (float): multiplier. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = float(loss_weight)
