"""What a mixer decided for one mini-batch: one plan class per kind of
interpolation, so the classifier dispatches on the plan's type."""
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple, Union

import torch
from torch import Tensor

from mmmultimix import functional as Fm

__all__ = [
    'MixPlan', 'PairPlan', 'MultiMixPlan', 'DenseMultiMixPlan', 'EMBEDDING'
]

#: layer name of the final embedding (after the neck, before the classifier)
EMBEDDING = 'embedding'


@dataclass
class MixPlan:
    """Base of the plans: where to interpolate.

    Attributes:
        layer (int | str): ``'embedding'`` (the last embedding before the
            classifier; the paper's default) or a backbone layer index
            (``0`` = input, ``k`` = output of stage ``k``).
    """
    layer: Union[int, str]

    @property
    def world(self) -> int:
        """Ranks whose batches are interpolated together."""
        return 1

    def mix(self, x: Tensor, targets: Tensor) -> Tuple[Tensor, Tensor]:
        """Interpolates ``x`` (``(m, ...)``) and targets (``(m, c)``)."""
        raise NotImplementedError


@dataclass
class PairPlan(MixPlan):
    """Mixup of ``m`` pairs (eqs. 3–5), or CutMix when ``box`` is set.

    Attributes:
        lam (Tensor): ``()`` interpolation factor.
        index (Tensor): ``(m,)`` permutation.
        box (tuple, optional): relative CutMix box ``(cy, cx, ratio)``
            (input layer): cut-and-paste instead of interpolating.
    """
    lam: Tensor
    index: Tensor
    box: Optional[Tuple[float, float, float]] = None

    def mix(self, x: Tensor, targets: Tensor) -> Tuple[Tensor, Tensor]:
        if self.box is not None:
            return Fm.cutmix(x, targets, self.box, self.index)
        return Fm.pair_mix(x, targets, self.lam, self.index)


@dataclass
class MultiMixPlan(MixPlan):
    """MultiMix (eqs. 6–7) with a drawn ``Λ``.

    Attributes:
        lam (Tensor): ``(m × world, n)`` ``Λ``.
        world (int): ranks interpolated together (cross-rank MultiMix).
    """
    lam: Tensor
    world: int = 1

    def mix(self, x: Tensor, targets: Tensor) -> Tuple[Tensor, Tensor]:
        return Fm.multimix(x, targets, self.lam)


@dataclass
class DenseMultiMixPlan(MixPlan):
    """Dense MultiMix (§3.4) at the final feature map: ``Λ^j`` is drawn
    once the classifier knows the number of positions ``r``, from the
    mixer's generator (:meth:`lambda_chunks` for the fused loss,
    :meth:`sample_lambda` for the reference path; the same ``Λ`` for the
    same generator state).

    Attributes:
        n (int): tuples; alpha: Dirichlet parameter (as ``MultiMix``).
        generator (torch.Generator): the mixer's.
        attention (str): vector ``u`` of eq. 10.
        attention_norm (str): non-linearity ``h`` of eq. 10.
        world (int): ranks interpolated together (cross-rank MultiMix).
        attention_grad (bool): gradient flows through the attention (else
            it is a constant weighting).
    """
    n: int = 1000
    alpha: Fm.AlphaType = (0.5, 2.0)
    generator: Optional[torch.Generator] = None
    attention: str = 'gap'
    attention_norm: str = 'l1relu'
    world: int = 1
    attention_grad: bool = False

    def _device(self, device):
        return device if self.generator is None else self.generator.device

    def lambda_chunks(self, r: int, m: int, device=None) -> Iterator[Tensor]:
        """``(r, m, n_t)`` chunks of unnormalised columns of ``Λ^j``
        (:func:`~mmmultimix.functional.dense_lambda_chunks`)."""
        chunks = Fm.dense_lambda_chunks(r, m, self.n, self.alpha,
                                        self.generator, self._device(device))
        return (g.to(device) for g in chunks)

    def sample_lambda(self, r: int, m: int, device=None) -> Tensor:
        """``(r, m, n)`` matrices ``Λ^j``."""
        return Fm.sample_dense_lambda(r, m, self.n, self.alpha,
                                      self.generator,
                                      self._device(device)).to(device)
