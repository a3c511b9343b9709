"""ζ-Mixup (Abhishek et al., 2022): all m examples mixed with p-series
weights."""
from typing import Sequence

from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .base import BaseMixer
from .baseline_plans import ZetaMixupPlan

__all__ = ['ZetaMixup']


@MODELS.register_module()
class ZetaMixup(BaseMixer):
    """ζ-Mixup in input space as its official code (``zeta_mixup.py``):
    every example becomes ``Σ_i W_pi x_i`` with row ``p`` of ``W`` a random
    permutation of ``k^−γ / Σ_{k≤m} k^−γ`` whose largest weight sits on the
    example itself (:func:`~mmmultimix.functional.zeta_weights`); targets
    ``W Y``. Every batch is mixed.

    Args:
        gamma (float): p-series exponent γ > 1. Defaults to 2.8 (official).
    """

    def __init__(self, gamma: float = 2.8, init_cfg=None):
        super().__init__(init_cfg)
        self.gamma = Fm.check_zeta_gamma(gamma, 'mixer.gamma')

    def sample(self, m: int, device=None) -> ZetaMixupPlan:
        w = Fm.zeta_weights(m, self.gamma, self.generator,
                            self.sample_device(device))
        return ZetaMixupPlan(0, w.t().contiguous().to(device))

    def candidate_layers(self) -> Sequence:
        return (0, )
