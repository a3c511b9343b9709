"""Input mixup (Zhang et al., ICLR 2018)."""
from typing import Sequence

from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .base import BaseMixer
from .plan import PairPlan

__all__ = ['InputMixup']


@MODELS.register_module()
class InputMixup(BaseMixer):
    """Input mixup of ``m`` pairs, eq. 5: ``X̃ = X(λI + (1−λ)Π)``,
    ``λ ~ Beta(α, α)``.

    Args:
        alpha (float): Beta parameter ``α > 0``. Defaults to 1.0.
    """

    def __init__(self, alpha: float = 1.0, init_cfg=None):
        super().__init__(init_cfg)
        self.alpha = Fm.check_beta_alpha(alpha, 'mixer.alpha')

    def sample(self, m: int, device=None) -> PairPlan:
        return self.pairs(m, self.alpha, 0, device)

    def candidate_layers(self) -> Sequence:
        return (0, )
