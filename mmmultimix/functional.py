"""Pure tensor maths of MultiMix (Venkataramanan et al., ICLR 2024).

"Teach me how to interpolate a myriad of embeddings" — every formula of the
method lives here once, as small functions of tensors that registered modules
adapt. Conventions:

* batch-first: rows are examples. The paper writes column matrices
  (``Z ∈ R^{d×m}``); here ``Z`` is ``(m, d)`` and eq. 6 ``Z̃ = ZΛ`` becomes
  ``Z̃ = Λᵀ Z`` of shape ``(n, d)``.
* no in-place edits of inputs; device and dtype follow the inputs;
  randomness only from an explicit :class:`torch.Generator` (or the default
  generator of the device when ``generator`` is ``None``);
  sampling is separate from applying.
* invalid shapes or values raise :class:`ValueError` / :class:`TypeError`.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'sample_dirichlet', 'sample_beta', 'sample_alpha',
    'sample_lambda', 'sample_dense_lambda', 'multimix', 'pair_mix',
    'sample_cutmix_box', 'cutmix_box_pixels', 'cutmix',
    'spatial_attention', 'dense_mix_weights', 'dense_interpolate',
    'dense_multimix', 'dense_mix_targets', 'soft_cross_entropy', 'weighted_soft_cross_entropy',
    'check_alpha', 'ATTENTION_MODES', 'ATTENTION_NORMS'
]

AlphaType = Union[float, Tuple[float, float], Sequence[float]]

ATTENTION_MODES = ('gap', 'cam', 'uniform')
ATTENTION_NORMS = ('l1relu', 'softmax')


# ---------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------
def _sampling_dtype(dtype: torch.dtype) -> torch.dtype:
    # Sampling and normalisation always run in at least fp32 (fp16/bf16
    # Dirichlet draws underflow).
    return torch.float64 if dtype == torch.float64 else torch.float32


def sample_dirichlet(concentration: Tensor,
                     generator: Optional[torch.Generator] = None) -> Tensor:
    """Dirichlet draws along the last dimension.

    Wraps torch's native sampler (the one behind
    :class:`torch.distributions.Dirichlet`), which unlike the distribution
    class takes an explicit generator and runs on any device.

    Args:
        concentration (Tensor): ``(..., k)`` concentrations ``α > 0``.
        generator (torch.Generator, optional): source of randomness, on the
            device of ``concentration``; the device's default generator when
            None.

    Returns:
        Tensor: same shape and dtype as ``concentration``; every row sums to
        1 along the last dimension.
    """
    if not torch.is_floating_point(concentration):
        raise TypeError('concentration must be a floating point tensor, got '
                        f'{concentration.dtype}')
    conc = concentration.to(_sampling_dtype(concentration.dtype))
    shape = conc.shape
    out = torch._sample_dirichlet(
        conc.reshape(-1, shape[-1]).contiguous(), generator=generator)
    # renormalise so that columns sum to 1 to rounding (exactly 1 for k = 1)
    out = out / out.sum(dim=-1, keepdim=True)
    return out.reshape(shape).to(concentration.dtype)


def sample_beta(alpha: float,
                size: Sequence[int] = (),
                generator: Optional[torch.Generator] = None,
                device=None,
                dtype: torch.dtype = torch.float32) -> Tensor:
    """Draws ``λ ~ Beta(α, α)`` (mixup, eqs. 3–5).

    Args:
        alpha (float): ``α > 0``.
        size (Sequence[int]): output shape. Defaults to a scalar.
        generator, device, dtype: as in :func:`torch.rand`.

    Returns:
        Tensor: of shape ``size``, values in ``[0, 1]``.
    """
    alpha = _check_positive(alpha, 'alpha')
    sdt = _sampling_dtype(dtype)
    conc = torch.full((*size, 2), alpha, device=device, dtype=sdt)
    return sample_dirichlet(conc, generator)[..., 0].to(dtype)


def _check_positive(value, key: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f'{key} must be a number > 0, got {value!r}') from None
    if not value > 0 or value != value or value == float('inf'):
        raise ValueError(f'{key} must be a finite number > 0, got {value}')
    return value


def check_alpha(alpha: AlphaType, key: str = 'alpha') -> Tuple[float, float]:
    """Validates a Dirichlet parameter: a float ``> 0`` or a pair ``(lo, hi)``
    with ``0 < lo <= hi``. Returns it as a ``(lo, hi)`` pair."""
    if isinstance(alpha, (int, float)) and not isinstance(alpha, bool):
        a = _check_positive(alpha, key)
        return a, a
    if isinstance(alpha, (tuple, list)) and len(alpha) == 2:
        lo = _check_positive(alpha[0], f'{key}[0]')
        hi = _check_positive(alpha[1], f'{key}[1]')
        if lo > hi:
            raise ValueError(f'{key} must be a pair (lo, hi) with 0 < lo <= '
                             f'hi, got {tuple(alpha)}')
        return lo, hi
    raise TypeError(f'{key} must be a float > 0 or a pair (lo, hi) with '
                    f'0 < lo <= hi, got {alpha!r}')


def _check_count(value, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, Tensor) or not float(value).is_integer():
            raise TypeError(f'{key} must be an integer >= {minimum}, got '
                            f'{value!r}')
        value = int(value)
    if value < minimum:
        raise ValueError(f'{key} must be an integer >= {minimum}, got '
                         f'{value}')
    return value


def sample_alpha(n: int,
                 alpha: AlphaType = (0.5, 2.0),
                 generator: Optional[torch.Generator] = None,
                 device=None,
                 dtype: torch.dtype = torch.float32) -> Tensor:
    """Per-tuple Dirichlet parameters: ``α_k ~ U[lo, hi]`` (§4.4), or the
    fixed value when ``alpha`` is a float. Returns shape ``(n,)``."""
    lo, hi = check_alpha(alpha)
    if lo == hi:
        return torch.full((n, ), lo, device=device, dtype=dtype)
    u = torch.rand(n, generator=generator, device=device, dtype=dtype)
    return lo + (hi - lo) * u


def sample_lambda(m: int,
                  n: int,
                  alpha: AlphaType = (0.5, 2.0),
                  generator: Optional[torch.Generator] = None,
                  device=None,
                  dtype: torch.dtype = torch.float32) -> Tensor:
    """Interpolation matrix ``Λ = (λ_1, …, λ_n) ∈ R^{m×n}`` (§3.2).

    Column ``k`` is drawn from the symmetric Dirichlet ``Dir(α_k 1_m)``,
    with ``α_k ~ U[alpha[0], alpha[1]]`` when ``alpha`` is a pair (paper
    default ``U[0.5, 2]``) or ``α_k = alpha`` when it is a float. Every
    column lies on the simplex ``Δ^{m-1}``.

    Args:
        m (int): mini-batch size (tuple length), ``m >= 1``.
        n (int): number of interpolated tuples, ``n >= 1``.
        alpha (float | tuple[float, float]): Dirichlet parameter.
        generator (torch.Generator, optional): source of randomness.
        device (torch.device, optional): output device.
        dtype (torch.dtype): output dtype; sampling runs in fp32 (or fp64).

    Returns:
        Tensor: ``Λ`` of shape ``(m, n)``.
    """
    m = _check_count(m, 'm', 1)
    n = _check_count(n, 'n', 1)
    sdt = _sampling_dtype(dtype)
    a = sample_alpha(n, alpha, generator, device, sdt)
    conc = a.unsqueeze(1).expand(n, m)
    return sample_dirichlet(conc, generator).t().to(dtype)


def sample_dense_lambda(r: int,
                        m: int,
                        n: int,
                        alpha: AlphaType = (0.5, 2.0),
                        generator: Optional[torch.Generator] = None,
                        device=None,
                        dtype: torch.dtype = torch.float32) -> Tensor:
    """One interpolation matrix ``Λ^j`` per spatial position (§3.4).

    Returns:
        Tensor: ``(r, m, n)``; ``[j]`` is ``Λ^j`` as in :func:`sample_lambda`
        (``α`` drawn independently for each column of each position).
    """
    r = _check_count(r, 'r', 1)
    lam = sample_lambda(m, r * n, alpha, generator, device, dtype)
    return lam.reshape(m, r, n).permute(1, 0, 2)


# ---------------------------------------------------------------------------
# Interpolation
# ---------------------------------------------------------------------------
def _check_targets(targets: Tensor, m: int, name: str = 'targets') -> None:
    if targets.dim() != 2 or targets.shape[0] != m:
        raise ValueError(f'{name} must have shape (m, c) = ({m}, c), got '
                         f'{tuple(targets.shape)}')


def multimix(feats: Tensor, targets: Tensor,
             lam: Tensor) -> Tuple[Tensor, Tensor]:
    """MultiMix interpolation, eqs. 6–7: ``Z̃ = ΛᵀZ``, ``Ỹ = ΛᵀY``.

    Also used on logits of an affine classifier: since every column of ``Λ``
    sums to 1, ``Λᵀ(ZWᵀ + b) = (ΛᵀZ)Wᵀ + b``.

    Args:
        feats (Tensor): ``(m, ...)`` embeddings (any trailing shape).
        targets (Tensor): ``(m, c)`` one-hot or soft targets.
        lam (Tensor): ``(m, n)`` interpolation matrix.

    Returns:
        tuple[Tensor, Tensor]: mixed features ``(n, ...)`` and mixed targets
        ``(n, c)``.
    """
    if lam.dim() != 2:
        raise ValueError(f'lam must have shape (m, n), got {tuple(lam.shape)}')
    m, n = lam.shape
    if feats.dim() < 1 or feats.shape[0] != m:
        raise ValueError(f'feats must have shape (m, ...) with m = {m} '
                         f'(rows of lam), got {tuple(feats.shape)}')
    _check_targets(targets, m)
    lam_t = lam.t().to(feats.dtype)
    mixed = (lam_t @ feats.reshape(m, -1)).reshape(n, *feats.shape[1:])
    mixed_targets = lam.t().to(targets.dtype) @ targets
    return mixed, mixed_targets


def pair_mix(x: Tensor, targets: Tensor, lam: Union[float, Tensor],
             index: Tensor) -> Tuple[Tensor, Tensor]:
    """Mixup of pairs, eqs. 3–5: ``x̃ = λx + (1−λ)x[index]``.

    Input mixup when ``x`` is the input batch, manifold mixup when it is an
    intermediate feature map.

    Args:
        x (Tensor): ``(m, ...)``.
        targets (Tensor): ``(m, c)``.
        lam (float | Tensor): scalar interpolation factor in ``[0, 1]``.
        index (Tensor): ``(m,)`` permutation of ``range(m)``.

    Returns:
        tuple[Tensor, Tensor]: mixed ``x`` and mixed targets.
    """
    m = x.shape[0]
    _check_targets(targets, m)
    if index.shape != (m, ):
        raise ValueError(f'index must have shape ({m},), got '
                         f'{tuple(index.shape)}')
    lam = torch.as_tensor(lam, dtype=x.dtype, device=x.device)
    mixed = lam * x + (1 - lam) * x[index]
    lam_y = lam.to(targets.dtype)
    return mixed, lam_y * targets + (1 - lam_y) * targets[index]


def sample_cutmix_box(lam: float,
                      generator: Optional[torch.Generator] = None
                      ) -> Tuple[float, float, float]:
    """CutMix box (Yun et al. 2019) in relative coordinates: centre
    ``(cy, cx)`` uniform in ``[0, 1)²`` and side ratio ``sqrt(1 − λ)``, so
    that the box covers ``(1 − λ)`` of the image before clipping. Resolved to
    pixels by :func:`cutmix_box_pixels` for any image size."""
    dev = generator.device if generator is not None else None
    cy, cx = torch.rand(2, generator=generator, device=dev).tolist()
    return cy, cx, (1.0 - float(lam))**0.5


def cutmix_box_pixels(box: Tuple[float, float, float], h: int,
                      w: int) -> Tuple[int, int, int, int]:
    """``(y1, y2, x1, x2)`` of a relative box, clipped to the image."""
    cy, cx, ratio = box
    ch, cw = int(h * ratio), int(w * ratio)
    y, x = int(cy * h), int(cx * w)
    return (max(y - ch // 2, 0), min(y + ch // 2, h), max(x - cw // 2, 0),
            min(x + cw // 2, w))


def cutmix(x: Tensor, targets: Tensor, box: Tuple[float, float, float],
           index: Tensor) -> Tuple[Tensor, Tensor]:
    """CutMix: the ``box`` of every image is replaced by that of
    ``x[index]``; targets are mixed by the true area ratio
    ``λ = 1 − box_area / (h·w)``. Returns new tensors (inputs untouched).

    Args:
        x (Tensor): ``(m, C, H, W)``.
        targets (Tensor): ``(m, c)``.
        box (tuple): relative box from :func:`sample_cutmix_box`.
        index (Tensor): ``(m,)`` permutation.
    """
    if x.dim() != 4:
        raise ValueError(f'cutmix needs (m, C, H, W) inputs, got '
                         f'{tuple(x.shape)}')
    m, _, h, w = x.shape
    _check_targets(targets, m)
    y1, y2, x1, x2 = cutmix_box_pixels(box, h, w)
    mask = torch.zeros(1, 1, h, w, dtype=x.dtype, device=x.device)
    mask[..., y1:y2, x1:x2] = 1
    mixed = x * (1 - mask) + x[index] * mask
    lam = 1.0 - (y2 - y1) * (x2 - x1) / float(h * w)
    return mixed, lam * targets + (1 - lam) * targets[index]


# ---------------------------------------------------------------------------
# Dense MultiMix
# ---------------------------------------------------------------------------
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
    attn = torch.where(ok, pos / torch.where(ok, total, torch.ones_like(total)),
                       torch.full_like(pos, 1.0 / r))
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


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------
def soft_cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Per-example cross-entropy ``-Σ_c y_c log p_c`` with ``p =
    softmax(logits)`` computed in fp32. Shapes ``(..., c)`` -> ``(...)``."""
    if logits.shape != targets.shape:
        raise ValueError('logits and targets must have the same shape, got '
                         f'{tuple(logits.shape)} and {tuple(targets.shape)}')
    dt = torch.promote_types(logits.dtype, torch.float32)
    logp = torch.log_softmax(logits.to(dt), dim=-1)
    return -(targets.to(dt) * logp).sum(dim=-1)


def weighted_soft_cross_entropy(logits: Tensor,
                                targets: Tensor,
                                weight: Optional[Tensor] = None) -> Tensor:
    """Weighted cross-entropy, eq. 15 (eq. 1 when ``weight`` is None).

    ``H(Y, P; s) = -1ᵀ(Y ⊙ log P) s / (1ᵀ s)``.

    Args:
        logits (Tensor): ``(n, c)``, or ``(n, r, c)`` for a dense loss.
        targets (Tensor): same shape as ``logits``, soft or one-hot.
        weight (Tensor, optional): ``(n,)`` (or ``(n, r)``) weights ``s ≥ 0``.

    Returns:
        Tensor: scalar (fp32, or fp64 for fp64 inputs). For ``(n, r, c)`` inputs, eq. 15 is applied at
        each position ``j`` over the ``n`` examples, then averaged over the
        positions whose total weight ``1ᵀ s^j`` is positive (a position
        where all weights are 0 carries no information and is skipped; if
        all are 0 the loss is 0, with zero gradients).
    """
    if logits.dim() not in (2, 3):
        raise ValueError('logits must have shape (n, c) or (n, r, c), got '
                         f'{tuple(logits.shape)}')
    ce = soft_cross_entropy(logits, targets)  # (n,) or (n, r)
    if weight is None:
        return ce.mean()
    if weight.shape != ce.shape:
        raise ValueError(f'weight must have shape {tuple(ce.shape)}, got '
                         f'{tuple(weight.shape)}')
    w = weight.to(ce.dtype)
    total = w.sum(dim=0)  # () or (r,)
    ok = total > 0
    per_pos = (ce * w).sum(dim=0) / torch.where(ok, total,
                                                torch.ones_like(total))
    if per_pos.dim() == 0:
        return torch.where(ok, per_pos, torch.zeros_like(per_pos))
    count = ok.sum().clamp_min(1)
    return torch.where(ok, per_pos, torch.zeros_like(per_pos)).sum() / count
