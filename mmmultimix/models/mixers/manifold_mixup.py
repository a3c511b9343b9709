"""Manifold mixup (Verma et al., ICML 2019)."""
from typing import Sequence, Union

import torch
from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .base import BaseMixer
from .plan import PairPlan

__all__ = ['ManifoldMixup']


@MODELS.register_module()
class ManifoldMixup(BaseMixer):
    """Manifold mixup of ``m`` pairs, eqs. 3–4, at a layer drawn uniformly
    from ``layers`` for every batch.

    Args:
        alpha (float): Beta parameter ``α > 0``. Defaults to 2.0 (Verma et
            al. on CIFAR).
        layers (Sequence[int | str]): candidate layers (``0`` = input,
            ``k`` = after stage ``k``, ``'embedding'``). Defaults to
            ``(0, 1, 2)`` as Verma et al. for PreActResNet.
    """

    def __init__(self,
                 alpha: float = 2.0,
                 layers: Sequence[Union[int, str]] = (0, 1, 2),
                 init_cfg=None):
        super().__init__(init_cfg)
        self.alpha = Fm.check_beta_alpha(alpha, 'mixer.alpha')
        if isinstance(layers, (int, str)):
            layers = (layers, )
        if len(layers) == 0:
            raise ValueError('mixer.layers must list at least one layer')
        self.layers = tuple(
            self.check_layer(k, 'mixer.layers') for k in layers)

    def sample(self, m: int, device=None) -> PairPlan:
        k = torch.randint(len(self.layers), (), generator=self.generator,
                          device=self.sample_device(device))
        return self.pairs(m, self.alpha, self.layers[int(k)], device)

    def candidate_layers(self) -> Sequence:
        return self.layers
