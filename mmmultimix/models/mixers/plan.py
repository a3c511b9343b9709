"""What a mixer decided for one mini-batch."""
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from torch import Tensor

from mmmultimix import functional as Fm

__all__ = ['MixPlan', 'EMBEDDING']

#: layer name of the final embedding (after the neck, before the classifier)
EMBEDDING = 'embedding'


@dataclass
class MixPlan:
    """One batch's interpolation: where, how, with which coefficients.

    Attributes:
        layer (int | str): ``'embedding'`` (the last embedding before the
            classifier; the paper's default) or a backbone layer index
            (``0`` = input, ``k`` = output of stage ``k``).
        lam (Tensor): ``()`` scalar for pairs (eqs. 3–5) or ``(m, n)``
            ``Λ`` for MultiMix (eqs. 6–7).
        index (Tensor, optional): ``(m,)`` permutation, for pairs.
        world (int): ranks whose batches are interpolated together
            (cross-rank MultiMix); ``lam`` then has ``m × world`` rows.
        box (tuple, optional): relative CutMix box ``(cy, cx, ratio)``
            (input layer); pairs then cut-and-paste instead of
            interpolating.
        dense (bool): dense MultiMix (§3.4): ``lam`` is None and the
            classifier draws ``(r, m, n)`` matrices once it knows ``r``.
        attention (str): vector ``u`` of eq. 10 for dense plans.
        attention_norm (str): non-linearity ``h`` of eq. 10.
    """
    layer: Union[int, str]
    lam: Optional[Tensor]
    index: Optional[Tensor] = None
    dense: bool = False
    attention: str = 'gap'
    attention_norm: str = 'l1relu'
    box: Optional[Tuple[float, float, float]] = None
    world: int = 1

    @property
    def is_multimix(self) -> bool:
        return self.index is None

    def mix(self, x: Tensor, targets: Tensor) -> Tuple[Tensor, Tensor]:
        """Interpolates ``x`` (``(m, ...)``) and targets (``(m, c)``)."""
        if self.index is None:
            return Fm.multimix(x, targets, self.lam)
        if self.box is not None:
            return Fm.cutmix(x, targets, self.box, self.index)
        return Fm.pair_mix(x, targets, self.lam, self.index)
