"""Dense MultiMix loss for an affine 1×1-conv classifier, fused and chunked:
eqs. 11–15 (and the distillation term of eq. 9) without storing ``M̂``."""
from typing import Dict, Iterable, NamedTuple, Optional

import torch
from torch import Tensor

from .checks import _check_targets
from .precision import full_precision

__all__ = ['DenseMixLoss', 'dense_multimix_loss']


class DenseMixLoss(NamedTuple):
    """Outputs of :func:`dense_multimix_loss`."""
    cls: Tensor  #: eq. 15 with the mixed targets, averaged over positions
    distill: Optional[Tensor]  #: eq. 15 with teacher probabilities, or None
    #: % of (tuple, position) pairs with weight ``s > 0`` whose predicted
    #: class is the argmax of their mixed target (no gradient)
    acc: Tensor


class _Columns:
    """Named blocks of columns of a packed ``(..., width)`` matrix, laid
    out once: ``cols.get(x, 'name')`` is that block (width-1 blocks come
    squeezed)."""

    def __init__(self, **widths: int):
        self.slices: Dict[str, slice] = {}
        start = 0
        for name, width in widths.items():
            self.slices[name] = slice(start, start + width)
            start += width
        self.width = start

    def get(self, x: Tensor, name: str) -> Tensor:
        sl = self.slices[name]
        out = x[..., sl]
        return out.squeeze(-1) if sl.stop - sl.start == 1 else out


def _layouts(c: int, tdist: bool):
    """Per example ``i`` and position, the GEMM ``N = GᵀA`` reads ``A``
    (attention times logits, targets, teacher logits; attention; 1) and the
    gradient GEMM ``R = G B`` accumulates ``B`` (∂ w.r.t. mixed logits and
    targets, ∂ w.r.t. ``t`` and ``σ``, and the same for the teacher term)."""
    t = c if tdist else 0
    a_cols = _Columns(aL=c, aY=c, aT=t, a=1, one=1)
    b_cols = _Columns(z=c, y=c, t=1, sigma=1, z_d=t, t_d=1 if tdist else 0)
    return a_cols, b_cols


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
    def forward(ctx, logits, attn, targets, teacher, chunks, teacher_probs):
        # fp32 (fp64) throughout, also under autocast
        with full_precision(logits):
            return _DenseMultiMixLoss._forward(ctx, logits, attn, targets,
                                               teacher, chunks, teacher_probs)

    @staticmethod
    def _forward(ctx, logits, attn, targets, teacher, chunks, teacher_probs):
        dt = torch.promote_types(logits.dtype, torch.float32)
        m, c, r = logits.shape
        need_grad = ctx.needs_input_grad[0] or ctx.needs_input_grad[1]
        tdist = teacher is not None
        acols, bcols = _layouts(c, tdist)
        L = logits.detach().to(dt).permute(2, 0, 1)  # (r, m, c)
        a = attn.detach().to(dt).t().unsqueeze(2)  # (r, m, 1)
        Y = targets.to(dt).unsqueeze(0).expand(r, m, c)
        T = teacher.detach().to(dt).permute(2, 0, 1) if tdist else L[..., :0]
        if teacher_probs:  # P̃' = the interpolated teacher probabilities
            T = torch.softmax(T, dim=2)
        A = torch.cat([a * L, a * Y, a * T, a, torch.ones_like(a)], dim=2)
        S = A.new_zeros(r)  # Σ_k s_k per position
        tot_y = A.new_zeros(r)  # Σ_k s_k ℓ_k (targets)
        tot_d = A.new_zeros(r)  # Σ_k s_k ℓ'_k (teacher)
        R = A.new_zeros(r, m, bcols.width) if need_grad else None
        hits = A.new_zeros(())
        n_ok = A.new_zeros(())
        n_chunks = 0
        for G in chunks:
            G = G.to(dt)
            if G.dim() != 3 or G.shape[0] != r or G.shape[1] != m:
                raise ValueError(f'lam chunks must have shape (r, m, n_t) = '
                                 f'({r}, {m}, n_t), got {tuple(G.shape)}')
            N = torch.bmm(G.transpose(1, 2), A)  # (r, nc, q)
            t, sig = acols.get(N, 'a'), acols.get(N, 'one')
            ok = t > 0
            inv_t = torch.where(ok, 1.0 / torch.where(ok, t, 1.0), 0.0)
            s = t / sig  # eq. 15 weight 1ᵀM (0 where t = 0)
            inv_t3 = inv_t.unsqueeze(2)
            zt = acols.get(N, 'aL') * inv_t3  # eq. 13 logits
            yt = acols.get(N, 'aY') * inv_t3  # eq. 14
            logp = torch.log_softmax(zt, dim=2)
            ly = -(yt * logp).sum(2)
            S += s.sum(1)
            tot_y += (s * ly).sum(1)
            hits += ((zt.argmax(2) == yt.argmax(2)) & ok).sum()
            n_ok += ok.sum()
            n_chunks += 1
            if tdist:
                pt = acols.get(N, 'aT') * inv_t3
                pt = pt if teacher_probs else torch.softmax(pt, dim=2)
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
            R.baddbmm_(G, torch.cat(cols, dim=2))  # (r, m, width)
        if n_chunks == 0:
            raise ValueError(
                'dense_multimix_loss needs at least one lam chunk')
        valid = S > 0  # a position where every attention is 0 is skipped
        npos = valid.sum().clamp_min(1)
        safe_S = torch.where(valid, S, torch.ones_like(S))
        loss_y = torch.where(valid, tot_y / safe_S, 0.0)
        loss_d = torch.where(valid, tot_d / safe_S, 0.0)
        acc = 100.0 * hits / n_ok.clamp_min(1)
        out_d = loss_d.sum() / npos if tdist else None
        if need_grad:
            scale = (torch.where(valid, 1.0 / safe_S, 0.0) / npos).view(r, 1)
            Rs = bcols.get(R, 'sigma')

            def term_grads(Rz, Rt, loss_j):
                # d/dL = a R_z, d/da = L·R_z + R_t - loss_j Σ_k Λ (+ Y·R_y),
                # in the inputs' layouts: logits (m, c, r), attn (m, r)
                d_attn = (L * Rz).sum(2) + Rt - loss_j.view(r, 1) * Rs
                return ((a * Rz) * scale.unsqueeze(2)).permute(1, 2, 0), \
                    (d_attn * scale).t()

            d_l, d_a = term_grads(bcols.get(R, 'z'), bcols.get(R, 't'),
                                  loss_y)
            d_a += ((Y * bcols.get(R, 'y')).sum(2) * scale).t()
            grads = [d_l, d_a]
            if tdist:
                grads += term_grads(bcols.get(R, 'z_d'), bcols.get(R, 't_d'),
                                    loss_d)
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
        return d_logits, d_attn, None, None, None, None


def dense_multimix_loss(logits: Tensor,
                        attn: Tensor,
                        targets: Tensor,
                        lam_chunks: Iterable[Tensor],
                        teacher_logits: Optional[Tensor] = None,
                        teacher_probs: bool = False) -> DenseMixLoss:
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
        teacher_probs (bool): ``P̃'`` is the interpolation of the teacher's
            probabilities (softmax of each real example's logits) instead of
            the softmax of its interpolated logits (eq. 9 as written).
            Either way ``P̃'`` is a target: no gradient flows through it.

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
    # eqs. 12-15 are invariant to scaling a position's attention over the
    # examples (M̂ and the s-weighted mean at that position): divide it by
    # its largest value, so that a saturated softmax attention (entries
    # ~1e-38) cannot overflow 1 / 1ᵀM; the scale is a constant of the loss
    # (its gradient is exactly zero), so it is detached
    peak = attn.detach().amax(dim=0, keepdim=True)
    attn = attn / torch.where(peak > 0, peak, torch.ones_like(peak))
    out = _DenseMultiMixLoss.apply(logits, attn, targets.detach(),
                                   teacher_logits, lam_chunks,
                                   bool(teacher_probs))
    return DenseMixLoss(out[0], out[2] if len(out) > 2 else None, out[1])
