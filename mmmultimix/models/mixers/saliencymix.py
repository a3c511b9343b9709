"""SaliencyMix (Uddin et al., ICLR 2021)."""
from typing import Optional, Sequence

from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .base import BaseMixer
from .baseline_plans import SaliencyMixPlan

__all__ = ['SaliencyMix']


@MODELS.register_module()
class SaliencyMix(BaseMixer):
    """SaliencyMix as its official CIFAR code (``saliencymix.py``): with
    probability ``prob`` a batch is mixed, ``λ ~ Beta(α, α)``; OpenCV's
    fine-grained static saliency of one partner image (``x[π[0]]``) gives
    the peak, a box of side ``√(1 − λ)`` around it is pasted from the
    permuted batch into every image, and ``λ`` becomes ``1 − box area``.
    The other batches train unmixed.

    Args:
        alpha (float): Beta parameter α > 0. Defaults to 1.0 (official).
        prob (float): probability of mixing a batch, in ``[0, 1]``.
            Defaults to 0.5 (official CIFAR).
        saliency_norm (dict): ``mean`` and ``std`` (``[0, 1]`` units, one
            per channel) of the official saliency input (torchvision's
            ``Normalize``), whatever the data preprocessor trains with.
            Defaults to None: the official CIFAR code's, CIFAR-10's
            statistics, for CIFAR-10 and CIFAR-100 alike
            (``functional.SALIENCYMIX_CIFAR_NORM``, 3 channels); ImageNet
            configs use ``SALIENCYMIX_IMAGENET_NORM``; images of another
            channel count need their own (an error says so).
    """

    def __init__(self, alpha: float = 1.0, prob: float = 0.5,
                 saliency_norm: Optional[dict] = None, init_cfg=None):
        super().__init__(init_cfg)
        self.alpha = Fm.check_beta_alpha(alpha, 'mixer.alpha')
        self.prob = self.check_prob(prob, 'mixer.prob')
        norm = dict(Fm.SALIENCYMIX_CIFAR_NORM if saliency_norm is None
                    else saliency_norm)
        if set(norm) != {'mean', 'std'} or len(norm['mean']) != len(
                norm['std']) or not all(float(s) > 0 for s in norm['std']):
            raise ValueError('mixer.saliency_norm must be dict(mean=[...], '
                             'std=[...]) with one value per channel and '
                             f'every std > 0, got {saliency_norm!r}')
        self.saliency_norm = dict(mean=tuple(map(float, norm['mean'])),
                                  std=tuple(map(float, norm['std'])))
        try:
            import cv2
            cv2.saliency.StaticSaliencyFineGrained_create
        except (ImportError, AttributeError) as e:
            raise ImportError(Fm.OPENCV_CONTRIB_HINT) from e

    def sample(self, m: int, device=None) -> Optional[SaliencyMixPlan]:
        if self._uniform() >= self.prob:
            return None
        pair = self.pairs(m, self.alpha, 0, device)
        return SaliencyMixPlan(0, pair.lam, pair.index,
                               norm=self.saliency_norm)

    def candidate_layers(self) -> Sequence:
        return (0, )
