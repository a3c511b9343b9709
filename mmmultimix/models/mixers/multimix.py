"""MultiMix (Venkataramanan et al., arXiv 2206.14868), §3.2 and §4.1."""
from typing import Sequence, Tuple, Union

from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .base import BaseMixer
from ..utils.dist import world_size
from .plan import EMBEDDING, DenseMultiMixPlan, MixPlan, MultiMixPlan

__all__ = ['MultiMix']


@MODELS.register_module()
class MultiMix(BaseMixer):
    """MultiMix: ``n`` interpolations of the whole mini-batch (eqs. 6–8).

    For every batch, with probability ``prob`` the embeddings and targets are
    interpolated as ``Z̃ = ΛᵀZ``, ``Ỹ = ΛᵀY`` with ``Λ ∈ R^{m×n}`` whose
    column ``k`` follows ``Dir(α_k 1_m)``, ``α_k ~ U[alpha]``; otherwise the
    batch does input mixup of ``m`` pairs with ``Beta(input_alpha,
    input_alpha)`` (§4.1: ``prob = 0.5``).

    Args:
        n (int): number of interpolated tuples, ``n >= 1``. Defaults to
            1000.
        alpha (float | tuple[float, float]): Dirichlet parameter, fixed or a
            range ``(lo, hi)`` drawn uniformly per tuple. Defaults to
            ``(0.5, 2.0)``.
        prob (float): probability of MultiMix per batch, in ``[0, 1]``; the
            other batches do input mixup. Defaults to 0.5.
        input_alpha (float): Beta parameter of the input-mixup branch.
            Defaults to 1.0.
        layer (int | str): where to interpolate: ``'embedding'`` (default;
            the last embedding before the classifier) or a backbone layer
            (``0`` = input, ``k`` = after stage ``k``; Fig. 3a).
        dense (bool): dense MultiMix (§3.4, eqs. 10–15) on the feature map
            at the head (needs ``DenseLinearClsHead`` and no neck;
            ``layer='embedding'`` only). Defaults to False.
        attention (str): vector ``u`` of eq. 10: ``'gap'`` (default),
            ``'cam'`` (``u = W y``) or ``'uniform'``.
        attention_norm (str): ``h`` of eq. 10: ``'l1relu'`` (default) or
            ``'softmax'``.
        attention_grad (bool): let the loss send gradient into the network
            through the attention ``a = h(zᵀu)`` (via the mixed logits, the
            weights ``s`` and the mixed targets). Defaults to False: the
            attention is a constant weighting (stop-gradient), as its use
            in the paper; with the gradient, GAP + softmax does not train
            (docs/where-the-paper-is-silent.md).
        cross_rank (bool): beyond the paper: under DDP, interpolate over the
            global batch — each rank draws its ``n`` tuples of length
            ``m × world_size`` and mixes logits (and targets, attention)
            all-gathered with gradients flowing back to their rank.
            ``layer='embedding'`` only. Defaults to False (the paper: m and
            n per GPU).
    """

    def __init__(self,
                 n: int = 1000,
                 alpha: Union[float, Tuple[float, float]] = (0.5, 2.0),
                 prob: float = 0.5,
                 input_alpha: float = 1.0,
                 layer: Union[int, str] = EMBEDDING,
                 dense: bool = False,
                 attention: str = 'gap',
                 attention_norm: str = 'l1relu',
                 attention_grad: bool = False,
                 cross_rank: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f'mixer.n must be an integer >= 1, got {n!r}')
        self.n = n
        self.alpha = Fm.check_alpha(alpha, 'mixer.alpha')
        self.prob = self.check_prob(prob, 'mixer.prob')
        self.input_alpha = Fm.check_beta_alpha(input_alpha,
                                               'mixer.input_alpha')
        self.layer = self.check_layer(layer, 'mixer.layer')
        self.dense = Fm.check_bool(dense, 'mixer.dense')
        if attention not in Fm.ATTENTION_MODES:
            raise ValueError(f'mixer.attention must be one of '
                             f'{Fm.ATTENTION_MODES}, got {attention!r}')
        if attention_norm not in Fm.ATTENTION_NORMS:
            raise ValueError(f'mixer.attention_norm must be one of '
                             f'{Fm.ATTENTION_NORMS}, got {attention_norm!r}')
        if self.dense and self.layer != EMBEDDING:
            raise ValueError("mixer.dense=True interpolates the final feature "
                             "map: mixer.layer must be 'embedding', got "
                             f'{layer!r}')
        self.attention = attention
        self.attention_norm = attention_norm
        self.attention_grad = Fm.check_bool(attention_grad,
                                            'mixer.attention_grad')
        self.cross_rank = Fm.check_bool(cross_rank, 'mixer.cross_rank')
        if self.cross_rank and self.layer != EMBEDDING:
            raise ValueError("mixer.cross_rank=True mixes final embeddings: "
                             "mixer.layer must be 'embedding', got "
                             f'{layer!r}')

    def sample(self, m: int, device=None) -> MixPlan:
        if self.prob < 1.0 and self._uniform() >= self.prob:
            return self.pairs(m, self.input_alpha, 0, device)
        world = world_size() if self.cross_rank else 1
        if self.dense:
            return DenseMultiMixPlan(self.layer, self.n, self.alpha,
                                     self.generator, self.attention,
                                     self.attention_norm, world,
                                     self.attention_grad)
        lam = Fm.sample_lambda(m * world, self.n, self.alpha, self.generator,
                               self.sample_device(device))
        return MultiMixPlan(self.layer, lam.to(device), world)

    def candidate_layers(self) -> Sequence:
        return (self.layer, 0) if self.prob < 1.0 else (self.layer, )
