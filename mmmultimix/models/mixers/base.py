"""Shared validation and sampling helpers of the mixers."""
import hashlib
from typing import Optional, Sequence, Union

import torch
from mmengine.model import BaseModule

from mmmultimix import functional as Fm
from .plan import EMBEDDING, MixPlan, PairPlan

__all__ = ['BaseMixer', 'mixer_seed']

LayerType = Union[int, str]


def _indexed(device: torch.device) -> torch.device:
    """``cuda`` as ``cuda:<current>``: the same device compares equal."""
    if device.type == 'cuda' and device.index is None:
        return torch.device('cuda', torch.cuda.current_device())
    return device


def mixer_seed(rank: int = 0) -> int:
    """The seed of a mixer's generator: a hash of the global torch RNG's
    *initial* seed (``torch.initial_seed()``: what mmengine's
    ``randomness.seed`` set, or torch's own random seed) and the rank. It
    reads the seed without drawing from the RNG (the weights' initialisation
    is unchanged by building a mixer), and the hash keeps the mixer's
    stream apart from the stream the weights are drawn from."""
    blob = f'mmmultimix.mixer/{torch.initial_seed()}/{int(rank)}'.encode()
    return int.from_bytes(hashlib.sha256(blob).digest()[:8], 'little') % \
        2**62


class BaseMixer(BaseModule):
    """Base of the registered mixers: they only *sample* a :class:`MixPlan`
    per batch; the maths is in :mod:`mmmultimix.functional` and the network
    surgery in :class:`~mmmultimix.models.MultiMixClassifier`.

    Randomness comes from ``self.generator``, a :class:`torch.Generator`
    seeded at construction from the run's seed and the process rank
    (:func:`mixer_seed`), so ranks draw different ``Λ`` and runs are
    reproducible; building a mixer draws nothing from the global RNG, so a
    model with a mixer starts from the same weights as the same model
    without one (same ``randomness.seed``). Its state is part of the
    module's ``state_dict`` (``mixer._extra_state``), so a resumed run
    continues the same stream. ``to(device)`` moves it.
    """

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        from mmengine.dist import get_rank
        self.generator: Optional[torch.Generator] = torch.Generator()
        self.generator.manual_seed(mixer_seed(get_rank()))

    def _apply(self, fn, *args, **kwargs):
        # follow the module to its device (Λ is sampled where it is used)
        out = super()._apply(fn, *args, **kwargs)
        if self.generator is not None:
            device = _indexed(fn(torch.empty(0)).device)
            if device != _indexed(self.generator.device):
                # the seed is drawn where the current generator lives
                seed = int(torch.randint(0, 2**62, (),
                                         generator=self.generator,
                                         device=self.generator.device))
                g = torch.Generator(device=device)
                g.manual_seed(seed)
                self.generator = g
        return out

    def get_extra_state(self):
        # one uint8 tensor (mmengine broadcasts state_dict values as
        # tensors): the generator state, then 1 for a CUDA generator
        if self.generator is None:
            return torch.zeros(0, dtype=torch.uint8)
        cuda = float(self.generator.device.type == 'cuda')
        flag = torch.tensor([cuda], dtype=torch.uint8)
        return torch.cat([self.generator.get_state(), flag])

    def set_extra_state(self, state) -> None:
        if state is None or state.numel() == 0:
            return
        if self.generator is None:
            self.generator = torch.Generator()
        cuda = bool(state[-1])
        if cuda == (self.generator.device.type == 'cuda'):
            self.generator.set_state(state[:-1].clone())
        else:  # saved on another device type: a stream derived from it
            seed = int(state[:-1].double().sum().item()) % (2**62)
            self.generator.manual_seed(seed)

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
        return torch.rand((), generator=self.generator,
                          device=self.sample_device(None)).item()

    def pairs(self, m: int, alpha: float, layer: LayerType,
              device) -> PairPlan:
        """Mixup of ``m`` pairs with ``λ ~ Beta(α, α)`` at ``layer``."""
        dev = self.sample_device(device)
        lam = Fm.sample_beta(alpha, generator=self.generator, device=dev)
        index = torch.randperm(m, generator=self.generator, device=dev)
        return PairPlan(layer, lam.to(device), index.to(device))

    def sample(self, m: int, device=None) -> MixPlan:
        """Samples the plan of a batch of ``m`` examples."""
        raise NotImplementedError

    def candidate_layers(self) -> Sequence[LayerType]:
        """Every layer this mixer may interpolate at (checked at build)."""
        raise NotImplementedError
