"""Shared validation and sampling helpers of the mixers."""
from typing import Optional, Sequence, Union

import torch
from mmengine.model import BaseModule

from mmmultimix import functional as Fm
from .plan import EMBEDDING, MixPlan

__all__ = ['BaseMixer']

LayerType = Union[int, str]


class BaseMixer(BaseModule):
    """Base of the registered mixers: they only *sample* a :class:`MixPlan`
    per batch; the maths is in :mod:`mmmultimix.functional` and the network
    surgery in :class:`~mmmultimix.models.MultiMixClassifier`.

    Randomness comes from ``self.generator`` (None: the default generator of
    each device, seeded by mmengine's ``randomness.seed``).
    """

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.generator: Optional[torch.Generator] = None

    @staticmethod
    def check_layer(layer: LayerType, key: str) -> LayerType:
        if layer == EMBEDDING:
            return layer
        if isinstance(layer, bool) or not isinstance(layer, int) or layer < 0:
            raise ValueError(f"{key} must be 'embedding' or a backbone layer "
                             f'index >= 0 (0 = input), got {layer!r}')
        return layer

    @staticmethod
    def check_prob(prob: float, key: str) -> float:
        prob = float(prob)
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'{key} must lie in [0, 1], got {prob}')
        return prob

    def sample_device(self, device):
        """Device to sample ``Λ`` on: the batch's, unless an explicit
        generator lives elsewhere."""
        if self.generator is None:
            return device
        return self.generator.device

    def _uniform(self) -> float:
        return torch.rand((), generator=self.generator).item()

    def pairs(self, m: int, alpha: float, layer: LayerType,
              device) -> MixPlan:
        """Mixup of ``m`` pairs with ``λ ~ Beta(α, α)`` at ``layer``."""
        lam = Fm.sample_beta(alpha, generator=self.generator)
        index = torch.randperm(m, generator=self.generator)
        return MixPlan(layer, lam.to(device), index.to(device))

    def sample(self, m: int, device=None) -> MixPlan:
        """Samples the plan of a batch of ``m`` examples."""
        raise NotImplementedError

    def candidate_layers(self) -> Sequence[LayerType]:
        """Every layer this mixer may interpolate at (checked at build)."""
        raise NotImplementedError
