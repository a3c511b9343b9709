"""AlignMixup (Venkataramanan et al., CVPR 2022): entropic optimal transport
between the spatial positions of two feature maps, and the aligned mixup of
the maps. Equal to the official ``SinkhornDistance`` and ``mixup_aligned``
(shashankvkt/AlignMixup_CVPR22, ``utils/OT.py``,
``models/resnet18_classifier.py``), batched and device-agnostic."""
from typing import Union

import torch
from torch import Tensor

__all__ = ['sinkhorn', 'align_mix', 'ALIGN_DIRECTIONS']

#: 0: ``Ã = A′Rᵀ`` mixed as ``λA + (1−λ)Ã``; 1: ``Ã′ = AR`` mixed as
#: ``λÃ′ + (1−λ)A′``
ALIGN_DIRECTIONS = (0, 1)


def _cost(x: Tensor, y: Tensor) -> Tensor:
    """Squared Euclidean cost ``C_ij = ‖x_i − y_j‖²`` ``(B, P1, P2)``
    without the ``(B, P1, P2, D)`` difference tensor (fp64 accumulation,
    so the expansion loses nothing against the official direct sum)."""
    x64, y64 = x.double(), y.double()
    c = (x64 * x64).sum(-1)[..., :, None] + (y64 * y64).sum(-1)[..., None, :] \
        - 2.0 * x64 @ y64.transpose(-2, -1)
    return c.clamp_min(0.0)


def _logsumexp(a: Tensor, dim: int = -1) -> Tensor:
    """``logsumexp`` over ``dim`` with the shifted exponents clamped at
    −80: terms below e^−80 change an fp32 sum that contains 1 by nothing,
    and CPU ``exp`` of very negative arguments (costs of −2000 and below are
    common, C / ε with ε = 0.1) takes a slow path: 8× faster, the same fp32
    result as ``torch.logsumexp``."""
    m = a.amax(dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    return (a - m).clamp_(min=-80.0).exp_().sum(dim).log_() + m.squeeze(dim)


def sinkhorn(x: Tensor,
             y: Tensor,
             eps: float = 0.1,
             max_iter: int = 100,
             thresh: float = 0.1) -> Tensor:
    """Entropic OT plan between two point clouds per batch element
    (log-domain Sinkhorn, uniform marginals, squared-L2 cost).

    ``u ← ε(log(μ + 1e-8) − logsumexp_j M_ij) + u``, then the same for
    ``v`` with the updated ``u``, ``M_ij = (−C_ij + u_i + v_j)/ε``; stops
    after ``max_iter`` iterations or when the batch mean of
    ``Σ_i |u_i − u_prev_i|`` falls below ``thresh``; returns
    ``π = exp(M)``, no gradient.

    Args:
        x (Tensor): ``(B, P1, D)`` points (e.g. the ``H·W`` positions of a
            feature map, each a ``D``-dim column).
        y (Tensor): ``(B, P2, D)``.
        eps (float): entropic regularisation ε > 0. Defaults to 0.1.
        max_iter (int): at most this many iterations (>= 1). Defaults to
            100.
        thresh (float): stopping threshold. Defaults to 0.1.

    Returns:
        Tensor: ``(B, P1, P2)`` transport plan (``v`` is updated last, so
        its columns sum to ``1/P2``; its rows approach ``1/P1``).
    """
    if x.dim() != 3 or y.dim() != 3 or x.shape[0] != y.shape[0] \
            or x.shape[2] != y.shape[2]:
        raise ValueError('sinkhorn expects x (B, P1, D) and y (B, P2, D), got '
                         f'{tuple(x.shape)} and {tuple(y.shape)}')
    if not eps > 0:
        raise ValueError(f'eps must be > 0, got {eps}')
    if int(max_iter) < 1:
        raise ValueError(f'max_iter must be >= 1, got {max_iter}')
    with torch.no_grad():
        dtype = torch.promote_types(x.dtype, torch.float32)
        c = _cost(x, y).to(dtype)
        b, p1, p2 = c.shape
        log_mu = torch.log(torch.full((b, p1), 1.0 / p1, dtype=dtype,
                                      device=c.device) + 1e-8)
        log_nu = torch.log(torch.full((b, p2), 1.0 / p2, dtype=dtype,
                                      device=c.device) + 1e-8)
        u = torch.zeros(b, p1, dtype=dtype, device=c.device)
        v = torch.zeros(b, p2, dtype=dtype, device=c.device)

        def m(u, v):
            return (-c + u[:, :, None] + v[:, None, :]) / eps

        for _ in range(int(max_iter)):
            u_prev = u
            u = eps * (log_mu - _logsumexp(m(u, v))) + u
            v = eps * (log_nu - _logsumexp(m(u, v), dim=-2)) + v
            if float((u - u_prev).abs().sum(-1).mean()) < thresh:
                break
        return torch.exp(m(u, v))


def align_mix(feat: Tensor,
              index: Tensor,
              lam: Union[float, Tensor],
              direction: int,
              eps: float = 0.1,
              max_iter: int = 100,
              thresh: float = 0.1) -> Tensor:
    """Aligned mixup of feature maps with their permuted partners.

    ``A = feat`` and ``A′ = feat[index]`` as ``(B, C, H·W)``; ``R = P·H·W``
    with ``P = sinkhorn(Aᵀ, A′ᵀ)`` (detached). Direction 0: ``Ã = A′Rᵀ``,
    output ``λA + (1−λ)Ã``; direction 1: ``Ã′ = AR``, output
    ``λÃ′ + (1−λ)A′``. The targets are ``λy + (1−λ)y[index]`` either way.

    Args:
        feat (Tensor): ``(B, C, H, W)`` feature map.
        index (Tensor): ``(B,)`` permutation.
        lam (float | Tensor): ``λ``.
        direction (int): 0 or 1 (:data:`ALIGN_DIRECTIONS`).
        eps, max_iter, thresh: :func:`sinkhorn`'s.

    Returns:
        Tensor: ``(B, C, H, W)`` mixed map.
    """
    if feat.dim() != 4:
        raise ValueError(f'align_mix expects a (B, C, H, W) feature map, got '
                         f'{tuple(feat.shape)}')
    if direction not in ALIGN_DIRECTIONS:
        raise ValueError(f'direction must be 0 or 1, got {direction!r}')
    b, c, h, w = feat.shape
    a1 = feat.reshape(b, c, h * w)
    a2 = feat[index].reshape(b, c, h * w)
    plan = alignment_plan(feat, index, eps, max_iter, thresh)
    r = (plan * (h * w)).to(feat.dtype)
    if direction == 0:
        return lam * a1.reshape(feat.shape) + \
            (1 - lam) * (a2 @ r.transpose(1, 2)).reshape(feat.shape)
    return lam * (a1 @ r).reshape(feat.shape) + \
        (1 - lam) * a2.reshape(feat.shape)


def alignment_plan(feat: Tensor, index: Tensor, eps: float = 0.1,
                   max_iter: int = 100, thresh: float = 0.1) -> Tensor:
    """The Sinkhorn plan ``(B, H·W, H·W)`` between the positions of
    ``feat`` and of ``feat[index]`` (detached)."""
    b, c, h, w = feat.shape
    x = feat.detach().reshape(b, c, h * w).transpose(1, 2)
    return sinkhorn(x, x[index], eps, max_iter, thresh)
