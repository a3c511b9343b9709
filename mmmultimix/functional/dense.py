"""Dense MultiMix, the reference maths (§3.4, eqs. 10–14): attention,
per-position weights and interpolation. :mod:`.dense_loss` fuses the same
maths with eq. 15 for training."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .checks import _check_targets
from .sampling import _sampling_dtype

__all__ = [
    'ATTENTION_MODES', 'ATTENTION_NORMS', 'spatial_attention',
    'dense_mix_weights', 'dense_interpolate', 'dense_multimix',
    'dense_mix_targets'
]

ATTENTION_MODES = ('gap', 'cam', 'uniform')
ATTENTION_NORMS = ('l1relu', 'softmax')


def spatial_attention(feats: Tensor,
                      mode: str = 'gap',
                      norm: str = 'l1relu',
                      weight: Optional[Tensor] = None,
                      targets: Optional[Tensor] = None) -> Tensor:
    """Attention maps ``a = h(zᵀu)``, eq. 10.

    Args:
        feats (Tensor): ``(m, d, h, w)`` feature maps; ``r = h·w`` positions
            in row-major order.
        mode (str): vector ``u``: ``'gap'`` (``u = z 1_r / r``), ``'cam'``
            (``u = W y``, with ``weight`` laid out as ``nn.Linear``, i.e.
            ``(c, d)``, so ``u = targets @ weight``) or ``'uniform'``
            (``a = 1_r / r``).
        norm (str): non-linearity ``h``: ``'l1relu'`` (ReLU, then divide by
            the sum over positions; an example whose scores are all ≤ 0 falls
            back to uniform attention ``1_r / r``) or ``'softmax'`` over
            positions.
        weight (Tensor, optional): ``(c, d)`` classifier weight, for CAM.
        targets (Tensor, optional): ``(m, c)`` targets, for CAM.

    Returns:
        Tensor: ``(m, r)`` attention, each row on the simplex ``Δ^{r-1}``.
    """
    if feats.dim() != 4:
        raise ValueError('spatial_attention needs feature maps of shape '
                         f'(m, d, h, w), got {tuple(feats.shape)}')
    if mode not in ATTENTION_MODES:
        raise ValueError(f'attention mode must be one of {ATTENTION_MODES}, '
                         f'got {mode!r}')
    if norm not in ATTENTION_NORMS:
        raise ValueError(f'attention norm must be one of {ATTENTION_NORMS}, '
                         f'got {norm!r}')
    m, d = feats.shape[:2]
    z = feats.reshape(m, d, -1)
    r = z.shape[-1]
    if mode == 'uniform':
        return z.new_full((m, r), 1.0 / r)
    if mode == 'gap':
        u = z.mean(dim=2)
    else:
        if weight is None or targets is None:
            raise ValueError("attention mode 'cam' needs the classifier "
                             'weight (c, d) and the targets (m, c)')
        if weight.dim() != 2 or weight.shape[1] != d:
            raise ValueError(f"attention mode 'cam' needs a weight of shape "
                             f'(c, {d}), got {tuple(weight.shape)}')
        _check_targets(targets, m)
        u = targets.to(weight.dtype) @ weight
    scores = torch.einsum('mdr,md->mr', z, u.to(z.dtype))
    scores = scores.to(torch.promote_types(scores.dtype, torch.float32))
    if norm == 'softmax':
        return torch.softmax(scores, dim=1).to(z.dtype)
    pos = F.relu(scores)
    total = pos.sum(dim=1, keepdim=True)
    ok = total > 0
    safe_total = torch.where(ok, total, torch.ones_like(total))
    attn = torch.where(ok, pos / safe_total, torch.full_like(pos, 1.0 / r))
    return attn.to(z.dtype)


def dense_mix_weights(attn: Tensor, lam: Tensor) -> Tuple[Tensor, Tensor]:
    """Attention-weighted interpolation matrices, eqs. 11–12.

    ``M^j = diag(a^j) Λ^j``, ``s^j = 1ᵀ M^j``, ``M̂^j = M^j diag(s^j)^{-1}``.
    A column with ``s = 0`` (all its examples have zero attention at that
    position) keeps ``M̂ = Λ^j`` (still a convex combination) and weight 0,
    so it never contributes to the loss (eq. 15) and never yields NaN.

    Args:
        attn (Tensor): ``(m, r)`` attention maps.
        lam (Tensor): ``(r, m, n)`` interpolation matrices.

    Returns:
        tuple[Tensor, Tensor]: ``M̂`` of shape ``(r, m, n)`` and weights
        ``s`` of shape ``(n, r)``.
    """
    if attn.dim() != 2:
        raise ValueError(f'attn must have shape (m, r), got '
                         f'{tuple(attn.shape)}')
    m, r = attn.shape
    if lam.dim() != 3 or lam.shape[0] != r or lam.shape[1] != m:
        raise ValueError(f'lam must have shape (r, m, n) = ({r}, {m}, n), '
                         f'got {tuple(lam.shape)}')
    dt = torch.promote_types(_sampling_dtype(attn.dtype), lam.dtype)
    mat = attn.t().to(dt).unsqueeze(2) * lam.to(dt)  # (r, m, n) eq. 11
    s = mat.sum(dim=1, keepdim=True)  # (r, 1, n)
    ok = s > 0
    safe = torch.where(ok, s, torch.ones_like(s))
    mhat = torch.where(ok, mat / safe, lam.to(dt))  # eq. 12
    return mhat, s.squeeze(1).t()


def dense_interpolate(x: Tensor, mhat: Tensor) -> Tensor:
    """Per-position convex combinations, eqs. 13–14 (batched over positions).

    Args:
        x (Tensor): ``(m, q, r)``: ``q`` channels (features ``d`` for eq. 13,
            logits ``c`` of a 1×1-conv classifier) at ``r`` positions.
        mhat (Tensor): ``(r, m, n)``.

    Returns:
        Tensor: ``(n, r, q)``, entry ``[k, j]`` = ``Σ_i M̂^j_{ik} x[i, :, j]``.
    """
    r, m, n = mhat.shape
    if x.dim() != 3 or x.shape[0] != m or x.shape[2] != r:
        raise ValueError(f'x must have shape (m, q, r) = ({m}, q, {r}), got '
                         f'{tuple(x.shape)}')
    # (r, n, m) @ (r, m, q) -> (r, n, q): one batched GEMM, no loop.
    out = torch.bmm(mhat.transpose(1, 2).to(x.dtype), x.permute(2, 0, 1))
    return out.permute(1, 0, 2)


def dense_multimix(feats: Tensor, targets: Tensor, attn: Tensor,
                   lam: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Dense MultiMix, eqs. 11–14.

    Args:
        feats (Tensor): ``(m, d, h, w)`` feature maps.
        targets (Tensor): ``(m, c)``.
        attn (Tensor): ``(m, r)`` attention (:func:`spatial_attention`).
        lam (Tensor): ``(r, m, n)`` (:func:`sample_dense_lambda`).

    Returns:
        tuple[Tensor, Tensor, Tensor]: mixed features ``(n, d, h, w)``,
        mixed targets ``(n, r, c)`` and weights ``s`` ``(n, r)``.
    """
    if feats.dim() != 4:
        raise ValueError('dense_multimix needs feature maps of shape '
                         f'(m, d, h, w), got {tuple(feats.shape)}')
    m, d, h, w = feats.shape
    _check_targets(targets, m)
    if attn.shape != (m, h * w):
        raise ValueError(f'attn must have shape (m, r) = ({m}, {h * w}), got '
                         f'{tuple(attn.shape)}')
    mhat, weights = dense_mix_weights(attn, lam)
    n = mhat.shape[2]
    z = dense_interpolate(feats.reshape(m, d, h * w), mhat)  # (n, r, d)
    mixed = z.permute(0, 2, 1).reshape(n, d, h, w)
    return mixed, dense_mix_targets(targets, mhat), weights.to(feats.dtype)


def dense_mix_targets(targets: Tensor, mhat: Tensor) -> Tensor:
    """Eq. 14 for every position: ``Ỹ^j = M̂^{jᵀ} Y``.

    Args:
        targets (Tensor): ``(m, c)``.
        mhat (Tensor): ``(r, m, n)``.

    Returns:
        Tensor: ``(n, r, c)``.
    """
    _check_targets(targets, mhat.shape[1])
    return torch.einsum('jik,ic->kjc', mhat.to(targets.dtype), targets)
