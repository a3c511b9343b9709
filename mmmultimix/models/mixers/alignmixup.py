"""AlignMixup (Venkataramanan et al., CVPR 2022), the strongest baseline of
the MultiMix paper and the code base it trained on."""
from typing import Sequence

from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .base import BaseMixer
from .baseline_plans import FEATURE_MAP, AlignMixupPlan
from .plan import MixPlan

__all__ = ['AlignMixup']


@MODELS.register_module()
class AlignMixup(BaseMixer):
    """AlignMixup as its official code (``resnet18_classifier.py``): per
    batch one ``λ ~ Beta(α, α)`` and one permutation; with probability
    ``1 − prob`` input mixup of pairs, otherwise *aligned* mixup of the
    backbone's last feature map (before pooling): entropic OT between the
    two maps' positions (:func:`~mmmultimix.functional.sinkhorn`, ε = 0.1,
    at most 100 iterations), one of the two directions drawn uniformly
    (:func:`~mmmultimix.functional.align_mix`); targets ``λy + (1−λ)y[π]``.

    Args:
        alpha (float): Beta parameter α > 0. Defaults to 2.0 (official).
        prob (float): probability of the aligned branch, in ``[0, 1]``.
            Defaults to 0.5 (official: ``random.randint(0, 1)``).
        eps (float): Sinkhorn regularisation ε > 0. Defaults to 0.1.
        max_iter (int): Sinkhorn iterations at most (>= 1). Defaults to 100.
        thresh (float): Sinkhorn stopping threshold (>= 0). Defaults to 0.1.
    """

    def __init__(self,
                 alpha: float = 2.0,
                 prob: float = 0.5,
                 eps: float = 0.1,
                 max_iter: int = 100,
                 thresh: float = 0.1,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.alpha = Fm.check_beta_alpha(alpha, 'mixer.alpha')
        self.prob = self.check_prob(prob, 'mixer.prob')
        if not float(eps) > 0:
            raise ValueError(f'mixer.eps must be > 0, got {eps!r}')
        if isinstance(max_iter, bool) or not isinstance(max_iter, int) \
                or max_iter < 1:
            raise ValueError(f'mixer.max_iter must be an integer >= 1, got '
                             f'{max_iter!r}')
        if not float(thresh) >= 0:
            raise ValueError(f'mixer.thresh must be >= 0, got {thresh!r}')
        self.eps, self.max_iter, self.thresh = float(eps), max_iter, \
            float(thresh)

    def sample(self, m: int, device=None) -> MixPlan:
        aligned = self._uniform() < self.prob
        pair = self.pairs(m, self.alpha, 0, device)
        if not aligned:
            return pair
        direction = int(self._uniform() < 0.5)
        return AlignMixupPlan(FEATURE_MAP, pair.lam, pair.index, direction,
                              self.eps, self.max_iter, self.thresh)

    def candidate_layers(self) -> Sequence:
        return (0, FEATURE_MAP)
