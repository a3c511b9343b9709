"""CutMix (Yun et al., ICCV 2019)."""
from typing import Sequence

from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .base import BaseMixer
from .plan import PairPlan

__all__ = ['CutMix']


@MODELS.register_module()
class CutMix(BaseMixer):
    """CutMix of ``m`` pairs at the input: a box of area ``(1 − λ)``,
    ``λ ~ Beta(α, α)``, is pasted from a permuted image; targets are mixed
    by the exact pasted area. Inputs are never modified in place.

    Args:
        alpha (float): Beta parameter ``α > 0``. Defaults to 1.0.
    """

    def __init__(self, alpha: float = 1.0, init_cfg=None):
        super().__init__(init_cfg)
        self.alpha = Fm.check_beta_alpha(alpha, 'mixer.alpha')

    def sample(self, m: int, device=None) -> PairPlan:
        plan = self.pairs(m, self.alpha, 0, device)
        plan.box = Fm.sample_cutmix_box(float(plan.lam), self.generator)
        return plan

    def candidate_layers(self) -> Sequence:
        return (0, )
