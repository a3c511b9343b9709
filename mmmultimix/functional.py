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

from typing import Iterable, NamedTuple, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'sample_gamma', 'sample_dirichlet', 'sample_beta', 'sample_alpha',
    'sample_lambda', 'sample_dense_lambda', 'dense_lambda_chunks',
    'dense_multimix_loss', 'multimix', 'pair_mix',
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


def _marsaglia_tsang(alpha: Tensor, shape: Sequence[int],
                     generator: Optional[torch.Generator],
                     log: bool) -> Tensor:
    """Gamma(α, 1) draws on CPU: Marsaglia & Tsang (2000), vectorised.

    ``alpha`` broadcasts to ``shape``. Exact (a rejection sampler): for
    ``α ≥ 1``, ``d = α − 1/3``, ``c = 1/√(9d)``, ``x ~ N(0, 1)``,
    ``v = (1 + cx)³``, ``u ~ U(0, 1)``; ``dv`` is accepted when ``v > 0``
    and ``log u < x²/2 + d − dv + d log v`` (about 2–5 % are drawn again,
    only those). For ``α < 1``, ``Gamma(α) = Gamma(α + 1) · U^{1/α}``.
    With ``log=True`` returns ``log Gamma(α)`` (no underflow for tiny α).
    """
    dt = alpha.dtype
    boost = alpha < 1
    a = torch.where(boost, alpha + 1.0, alpha)
    d = a - 1.0 / 3.0
    c = torch.rsqrt(9.0 * d)
    d, c = d.expand(shape), c.expand(shape)

    def draw(dd: Tensor, cc: Tensor) -> Tuple[Tensor, Tensor]:
        x = torch.randn(dd.shape, generator=generator, dtype=dt)
        v = torch.mul(x, cc).add_(1.0)
        v3 = v * v
        v3.mul_(v)
        u = torch.rand(dd.shape, generator=generator, dtype=dt)
        rhs = torch.log(v3).sub_(v3).add_(1.0).mul_(dd).addcmul_(x, x,
                                                                value=0.5)
        ok = torch.lt(torch.rsub(u, 1.0).log_(), rhs)  # 1 - u in (0, 1]
        ok.logical_and_(v > 0)
        return v3.mul_(dd), ok

    out, ok = draw(d, c)
    bad = (~ok).nonzero(as_tuple=True)
    while bad[0].numel():
        redo, ok = draw(d[bad], c[bad])
        out[bad] = redo
        bad = tuple(i[~ok] for i in bad)
    if log:
        out = out.log_()
    if not bool(boost.any()):
        return out
    inv = torch.where(boost, 1.0 / alpha, torch.zeros_like(alpha))
    if alpha.dim() == len(shape) and alpha.shape[-1] == 1 and \
            tuple(alpha.shape[:-1]) == tuple(shape[:-1]):
        # one α per row (the Dirichlet layout): boost only the rows with
        # α < 1, drawing their uniforms only
        rows = boost.reshape(-1).nonzero().squeeze(1)
        flat = out.view(-1, shape[-1])
        sub = flat.index_select(0, rows)
        _boost(sub, inv.reshape(-1, 1).index_select(0, rows), generator, log)
        flat.index_copy_(0, rows, sub)
    else:
        _boost(out, inv, generator, log)
    return out


def _boost(out: Tensor, inv: Tensor, generator, log: bool) -> None:
    # Gamma(α) = Gamma(α + 1) · U^{1/α}; U in (0, 1] (1 - rand): no log(0)
    u = torch.rsub(torch.rand(out.shape, generator=generator,
                              dtype=out.dtype), 1.0)
    if log:
        out.addcmul_(u.log_(), inv)
    else:
        out.mul_(u.pow_(inv))


def sample_gamma(concentration: Tensor,
                 size: Optional[Sequence[int]] = None,
                 generator: Optional[torch.Generator] = None,
                 log: bool = False) -> Tensor:
    """Draws ``Gamma(α, 1)`` (the numerators of Dirichlet draws).

    On CPU a vectorised Marsaglia–Tsang sampler (:func:`_marsaglia_tsang`,
    about 2.5× faster than torch's per-element sampler on 2 cores); on other
    devices torch's native ``_standard_gamma``. Both are exact.

    Args:
        concentration (Tensor): ``α > 0``, broadcastable to ``size``.
        size (Sequence[int], optional): output shape; defaults to the shape
            of ``concentration``.
        generator (torch.Generator, optional): source of randomness.
        log (bool): return ``log Gamma(α)``, which does not underflow for
            small ``α`` (``Gamma(0.01)`` is below fp32's range half the
            time). Defaults to False.

    Returns:
        Tensor: of shape ``size``, dtype of ``concentration`` (fp32 or fp64).
    """
    if not torch.is_floating_point(concentration):
        raise TypeError('concentration must be a floating point tensor, got '
                        f'{concentration.dtype}')
    if not bool(((concentration > 0) & torch.isfinite(concentration)).all()):
        raise ValueError('concentration must be finite and > 0, got values '
                         f'in [{float(concentration.min())}, '
                         f'{float(concentration.max())}]')
    shape = tuple(concentration.shape if size is None else size)
    if concentration.device.type == 'cpu':
        return _marsaglia_tsang(concentration, shape, generator, log)
    out = torch._standard_gamma(concentration.expand(shape).contiguous(),
                                generator=generator)
    return out.log() if log else out


# Smallest α whose Gamma(α) draws cannot underflow: Gamma(α + 1) · U^{1/α}
# with U >= 2^-24 (fp32 rand) stays above fp32's smallest normal (2^-126)
# for 1/α <= 5; below it, draws are normalised in log space.
_SAFE_ALPHA = 0.2


def sample_dirichlet(concentration: Tensor,
                     generator: Optional[torch.Generator] = None) -> Tensor:
    """Dirichlet draws along the last dimension: Gamma draws
    (:func:`sample_gamma`) divided by their sum (a softmax of their logs
    when some ``α`` < 0.2, where Gamma draws may underflow).

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
    log = _needs_log(conc)
    draws = sample_gamma(conc, None, generator, log=log)
    out = torch.softmax(draws, dim=-1) if log else \
        draws / draws.sum(dim=-1, keepdim=True)
    return out.to(concentration.dtype)


def _needs_log(alpha: Tensor) -> bool:
    """Whether Gamma(α) draws may underflow: draw their logs and normalise
    with a softmax."""
    return bool(alpha.numel()) and float(alpha.min()) < _SAFE_ALPHA


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
    column lies on the simplex ``Δ^{m-1}``. The same stream as
    :func:`sample_dense_lambda` with ``r = 1``.

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
    return sample_dense_lambda(1, m, n, alpha, generator, device, dtype)[0]


# Gamma draws per chunk of dense_lambda_chunks (r * m * columns): bounds the
# working set of the fused dense loss (about 4 MB per fp32 draw tensor).
LAMBDA_CHUNK_ELEMENTS = 1 << 20


def dense_lambda_chunks(r: int,
                        m: int,
                        n: int,
                        alpha: AlphaType = (0.5, 2.0),
                        generator: Optional[torch.Generator] = None,
                        device=None,
                        dtype: torch.dtype = torch.float32,
                        chunk_elements: int = LAMBDA_CHUNK_ELEMENTS):
    """The ``Λ^j`` of :func:`sample_dense_lambda`, drawn lazily in chunks
    of tuples, unnormalised.

    All ``α_{jk}`` are drawn first (``(r, n)``), then the Gamma draws of
    ``max(1, chunk_elements // (r m))`` tuples at a time. Chunk ``t`` is a
    ``(r, m, n_t)`` tensor whose columns are *proportional* to the columns
    ``k`` of ``Λ^j`` it covers (Gamma draws ``G`` with ``Λ = G / 1ᵀG``; or
    already normalised when some ``α < 0.2``). :func:`dense_multimix_loss`
    never needs the normalisation; :func:`sample_dense_lambda` concatenates
    and normalises, so both see the same ``Λ`` for the same generator state.

    Yields:
        Tensor: ``(r, m, n_t)`` chunks, ``Σ n_t = n``, in fp32 (fp64 when
        ``dtype`` is fp64).
    """
    r = _check_count(r, 'r', 1)
    m = _check_count(m, 'm', 1)
    n = _check_count(n, 'n', 1)
    sdt = _sampling_dtype(dtype)
    a = sample_alpha(r * n, alpha, generator, device, sdt).reshape(r, n, 1)
    log = _needs_log(a)
    step = max(1, int(chunk_elements) // (r * m))
    for k in range(0, n, step):
        ak = a[:, k:k + step]
        g = sample_gamma(ak, (r, ak.shape[1], m), generator, log=log)
        if log:  # normalise in log space: no underflow to 0/0
            g = torch.softmax(g, dim=2)
        yield g.transpose(1, 2)  # (r, m, n_t); tuples are columns


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
        (``α`` drawn independently for each column of each position), the
        normalised concatenation of :func:`dense_lambda_chunks`.
    """
    g = torch.cat(list(dense_lambda_chunks(r, m, n, alpha, generator, device,
                                           dtype)), dim=2)
    return (g / g.sum(dim=1, keepdim=True)).to(dtype)


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


class DenseMixLoss(NamedTuple):
    """Outputs of :func:`dense_multimix_loss`."""
    cls: Tensor  #: eq. 15 with the mixed targets, averaged over positions
    distill: Optional[Tensor]  #: eq. 15 with teacher probabilities, or None
    #: % of (tuple, position) pairs with weight ``s > 0`` whose predicted
    #: class is the argmax of their mixed target (no gradient)
    acc: Tensor


class _DenseMultiMixLoss(torch.autograd.Function):
    """Eqs. 11–15 for an affine 1×1-conv classifier, fused and chunked.

    Notation per position ``j`` (dropped) and chunk column ``k``: ``G`` the
    draws, ``σ = 1ᵀG``, ``Λ = G diag(σ)⁻¹``. With ``A = [aL, aY, aL', a, 1]``
    (rows ``i``: attention times logits, targets, teacher logits), one GEMM
    ``N = GᵀA`` gives everything: ``t = Gᵀa``, ``s = t / σ`` (eq. 11–12's
    weight), ``Z̃ = N_L / t`` (eq. 13 through the classifier, exact for an
    affine one), ``Ỹ = N_Y / t`` (eq. 14), ``P̃' = softmax(N_L' / t)``.
    Gradients w.r.t. ``L`` and ``a`` are formed in the same pass (one more
    GEMM ``G B``) and scaled by ``1 / (1ᵀs · #positions)`` at the end, so no
    ``(r, m, n)`` tensor beyond one chunk of draws is ever stored.
    """

    @staticmethod
    def forward(ctx, logits, attn, targets, teacher, chunks):
        # fp32 (fp64) throughout, also under autocast
        with torch.autocast(logits.device.type, enabled=False):
            return _DenseMultiMixLoss._forward(ctx, logits, attn, targets,
                                               teacher, chunks)

    @staticmethod
    def _forward(ctx, logits, attn, targets, teacher, chunks):
        dt = torch.promote_types(logits.dtype, torch.float32)
        m, c, r = logits.shape
        need_grad = ctx.needs_input_grad[0] or ctx.needs_input_grad[1]
        tdist = teacher is not None
        L = logits.detach().to(dt).permute(2, 0, 1)  # (r, m, c)
        a = attn.detach().to(dt).t().unsqueeze(2)  # (r, m, 1)
        Y = targets.to(dt).unsqueeze(0).expand(r, m, c)
        parts = [a * L, a * Y]
        if tdist:
            parts.append(a * teacher.detach().to(dt).permute(2, 0, 1))
        parts += [a, torch.ones_like(a)]
        A = torch.cat(parts, dim=2)  # (r, m, q)
        q = A.shape[2]
        qb = 2 * c + 2 + (c + 1 if tdist else 0)
        S = A.new_zeros(r)  # Σ_k s_k per position
        tot_y = A.new_zeros(r)  # Σ_k s_k ℓ_k (targets)
        tot_d = A.new_zeros(r)  # Σ_k s_k ℓ'_k (teacher)
        R = A.new_zeros(r, m, qb) if need_grad else None
        hits = A.new_zeros(())
        n_ok = A.new_zeros(())
        n_chunks = 0
        for G in chunks:
            G = G.to(dt)
            if G.dim() != 3 or G.shape[0] != r or G.shape[1] != m:
                raise ValueError(f'lam chunks must have shape (r, m, n_t) = '
                                 f'({r}, {m}, n_t), got {tuple(G.shape)}')
            N = torch.bmm(G.transpose(1, 2), A)  # (r, nc, q)
            t, sig = N[..., q - 2], N[..., q - 1]
            ok = t > 0
            inv_t = torch.where(ok, 1.0 / torch.where(ok, t, 1.0), 0.0)
            s = t / sig  # eq. 15 weight 1ᵀM (0 where t = 0)
            inv_t3 = inv_t.unsqueeze(2)
            zt = N[..., :c] * inv_t3  # eq. 13 logits
            yt = N[..., c:2 * c] * inv_t3  # eq. 14
            logp = torch.log_softmax(zt, dim=2)
            ly = -(yt * logp).sum(2)
            S += s.sum(1)
            tot_y += (s * ly).sum(1)
            hits += ((zt.argmax(2) == yt.argmax(2)) & ok).sum()
            n_ok += ok.sum()
            n_chunks += 1
            if tdist:
                pt = torch.softmax(N[..., 2 * c:3 * c] * inv_t3, dim=2)
                ld = -(pt * logp).sum(2)
                tot_d += (s * ld).sum(1)
            if not need_grad:
                continue
            s3 = s.unsqueeze(2)
            p = logp.exp()
            # ∂ℓ/∂z̃ (·s) and ∂ℓ/∂ỹ (·s), then through z̃ = N_L/t, ỹ = N_Y/t
            # and s = t/σ: ∂/∂t = -(g_z·z̃)/t (the ỹ and s terms cancel)
            gz = (p * yt.sum(2, keepdim=True) - yt).mul_(s3)
            gt = -(gz * zt).sum(2) * inv_t
            cols = [gz * inv_t3, logp.mul(s3).neg_().mul_(inv_t3),
                    gt.unsqueeze(2), (1.0 / sig).unsqueeze(2)]
            if tdist:
                gzd = (p - pt).mul_(s3)
                gtd = -(gzd * zt).sum(2) * inv_t + ld / sig
                cols += [gzd * inv_t3, gtd.unsqueeze(2)]
            R.baddbmm_(G, torch.cat(cols, dim=2))  # (r, m, qb)
        if n_chunks == 0:
            raise ValueError('dense_multimix_loss needs at least one lam chunk')
        valid = S > 0  # a position where every attention is 0 is skipped
        npos = valid.sum().clamp_min(1)
        safe_S = torch.where(valid, S, torch.ones_like(S))
        loss_y = torch.where(valid, tot_y / safe_S, 0.0)
        loss_d = torch.where(valid, tot_d / safe_S, 0.0)
        acc = 100.0 * hits / n_ok.clamp_min(1)
        out_d = loss_d.sum() / npos if tdist else None
        if need_grad:
            scale = (torch.where(valid, 1.0 / safe_S, 0.0) / npos).view(r, 1)
            Rs = R[..., 2 * c + 1]

            def term_grads(Rz, Rt, loss_j):
                # d/dL = a R_z, d/da = L·R_z + R_t - loss_j Σ_k Λ (+ Y·R_y),
                # in the inputs' layouts: logits (m, c, r), attn (m, r)
                d_attn = (L * Rz).sum(2) + Rt - loss_j.view(r, 1) * Rs
                return ((a * Rz) * scale.unsqueeze(2)).permute(1, 2, 0), \
                    (d_attn * scale).t()

            d_l, d_a = term_grads(R[..., :c], R[..., 2 * c], loss_y)
            d_a += ((Y * R[..., c:2 * c]).sum(2) * scale).t()
            grads = [d_l, d_a]
            if tdist:
                grads += term_grads(R[..., 2 * c + 2:3 * c + 2],
                                    R[..., 3 * c + 2], loss_d)
            ctx.save_for_backward(*grads)
        ctx.tdist = tdist
        ctx.mark_non_differentiable(acc)
        out = (loss_y.sum() / npos, acc)
        return out + ((out_d, ) if tdist else ())

    @staticmethod
    def backward(ctx, g_cls, g_acc, g_dist=None):
        saved = ctx.saved_tensors
        d_logits = g_cls * saved[0]
        d_attn = g_cls * saved[1]
        if ctx.tdist and g_dist is not None:
            d_logits = d_logits + g_dist * saved[2]
            d_attn = d_attn + g_dist * saved[3]
        return d_logits, d_attn, None, None, None


def dense_multimix_loss(logits: Tensor,
                        attn: Tensor,
                        targets: Tensor,
                        lam_chunks: Iterable[Tensor],
                        teacher_logits: Optional[Tensor] = None
                        ) -> DenseMixLoss:
    """Dense MultiMix loss for an affine classifier, fused: eqs. 11–15.

    Equal (to rounding) to :func:`dense_mix_weights`,
    :func:`dense_interpolate` on the logits, :func:`dense_mix_targets` and
    :func:`weighted_soft_cross_entropy`, with the same gradients w.r.t.
    ``logits`` and ``attn``, but it forms neither ``M̂`` ``(r, m, n)`` nor
    the ``(n, r, c)`` logits and targets: ``Λ`` arrives in chunks of tuples
    (:func:`dense_lambda_chunks`) and each chunk is consumed at once. Memory
    is ``O(r m (c + n_t))`` instead of ``O(r n (m + c))``.

    Args:
        logits (Tensor): ``(m, c, r)`` logits of the ``m`` real examples at
            every position (the 1×1-conv classifier on their maps).
        attn (Tensor): ``(m, r)`` attention (:func:`spatial_attention`).
        targets (Tensor): ``(m, c)`` targets (no gradient).
        lam_chunks (Iterable[Tensor]): ``(r, m, n_t)`` chunks whose columns
            are proportional to columns of ``Λ^j`` (positive entries).
        teacher_logits (Tensor, optional): ``(m, c, r)`` teacher logits
            (no gradient) for the distillation term ``H(P̃', P̃; s)`` of
            eq. 9, mixed with the same ``M̂``.

    Returns:
        DenseMixLoss: ``cls`` = ``H(Ỹ, P̃; s)`` and ``distill`` =
        ``H(P̃', P̃; s)`` (None without a teacher), each eq. 15 averaged over
        the positions with positive total weight; ``acc`` (no gradient).
    """
    if logits.dim() != 3:
        raise ValueError('logits must have shape (m, c, r), got '
                         f'{tuple(logits.shape)}')
    m, c, r = logits.shape
    _check_targets(targets, m)
    if targets.shape[1] != c:
        raise ValueError(f'targets must have shape (m, c) = ({m}, {c}), got '
                         f'{tuple(targets.shape)}')
    if attn.shape != (m, r):
        raise ValueError(f'attn must have shape (m, r) = ({m}, {r}), got '
                         f'{tuple(attn.shape)}')
    if teacher_logits is not None and teacher_logits.shape != logits.shape:
        raise ValueError('teacher_logits must have the shape of logits '
                         f'{tuple(logits.shape)}, got '
                         f'{tuple(teacher_logits.shape)}')
    out = _DenseMultiMixLoss.apply(logits, attn, targets.detach(),
                                   teacher_logits, lam_chunks)
    return DenseMixLoss(out[0], out[2] if len(out) > 2 else None, out[1])


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
