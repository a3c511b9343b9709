"""ζ-Mixup (Abhishek et al., 2022): every example becomes a convex
combination of all ``m`` examples of the batch with p-series weights.
Equal to the official ``zeta_mixup_weights`` / ``zeta_mixup``
(kakumarabhishek/zeta-mixup, ``utils.py``, ``zeta_mixup.py``)."""
from typing import Optional

import torch
from torch import Tensor

__all__ = ['zeta_weights', 'zeta_weights_from_uniform', 'check_zeta_gamma']


def check_zeta_gamma(gamma, key: str = 'gamma') -> float:
    """``γ > 1`` (the p-series converges; γ ≤ 1 weighs far examples almost
    like the example itself)."""
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)):
        raise TypeError(f'{key} must be a number > 1, got {gamma!r}')
    gamma = float(gamma)
    if not gamma > 1.0:
        raise ValueError(f'{key} must be > 1 (the p-series k^-gamma), got '
                         f'{gamma}')
    return gamma


def zeta_weights_from_uniform(u: Tensor, gamma: float = 2.8) -> Tensor:
    """The weights of :func:`zeta_weights` from the ``(m, m)`` uniform draws
    the official code takes from ``np.random.rand``: each row's ranks
    ``argsort(u) + 1`` (a random permutation of ``1..m``) are rotated so
    that rank 1 lies on the diagonal; ``W_ij = k_ij^−γ / Σ_k k^−γ``."""
    if u.dim() != 2 or u.shape[0] != u.shape[1]:
        raise ValueError(f'u must be (m, m), got {tuple(u.shape)}')
    gamma = check_zeta_gamma(gamma)
    m = u.shape[0]
    ranks = torch.argsort(u, dim=1) + 1  # (m, m) permutations of 1..m
    first = (ranks == 1).float().argmax(1)  # position of rank 1 per row
    shift = first - torch.arange(m, device=u.device)
    cols = (torch.arange(m, device=u.device)[None, :] + shift[:, None]) % m
    ranks = torch.gather(ranks, 1, cols)  # rank 1 on the diagonal
    series = ranks.double().pow(-gamma)
    return (series / series.sum(1, keepdim=True)).float()


def zeta_weights(m: int,
                 gamma: float = 2.8,
                 generator: Optional[torch.Generator] = None,
                 device=None) -> Tensor:
    """ζ-Mixup's mixing matrix ``W`` ``(m, m)``: row ``i`` is a random
    permutation of ``k^−γ / Σ_{k≤m} k^−γ`` (``k = 1..m``) with the largest
    weight ``1 / Σ k^−γ`` on ``W_ii``; mixed inputs ``x̃ = W x``, targets
    ``W Y`` (every row sums to 1).

    Args:
        m (int): batch size >= 1.
        gamma (float): p-series exponent γ > 1. Defaults to 2.8.
        generator (torch.Generator, optional): source of randomness.
        device: where to sample (the generator's by default).
    """
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f'm must be an integer >= 1, got {m!r}')
    if device is None and generator is not None:
        device = generator.device
    u = torch.rand((m, m), generator=generator, device=device)
    return zeta_weights_from_uniform(u, gamma)
