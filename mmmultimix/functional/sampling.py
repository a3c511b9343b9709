"""Sampling: Gamma draws, the Dirichlet and Beta laws built on them, and the
interpolation matrices Λ of MultiMix (§3.2, §3.4, §4.4)."""
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor

from .checks import AlphaType, _check_count, _check_positive, check_alpha

__all__ = [
    'sample_gamma', 'sample_dirichlet', 'sample_beta', 'sample_alpha',
    'sample_lambda', 'sample_dense_lambda', 'dense_lambda_chunks',
    'LAMBDA_CHUNK_ELEMENTS'
]


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
        rhs = torch.log(v3).sub_(v3).add_(1.0).mul_(dd)
        rhs.addcmul_(x, x, value=0.5)
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
