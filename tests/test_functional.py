"""Functional core vs. loop-based implementations of the paper's equations."""
import math

import pytest
import torch

from mmmultimix import functional as Fm

torch.set_default_dtype(torch.float32)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------- references
def ref_multimix(Z, Y, lam):
    """eqs. 6-7 with explicit loops: z̃_k = Σ_i λ_ik z_i."""
    m, n = lam.shape
    Zt = torch.stack([sum(lam[i, k] * Z[i] for i in range(m))
                      for k in range(n)])
    Yt = torch.stack([sum(lam[i, k] * Y[i] for i in range(m))
                      for k in range(n)])
    return Zt, Yt


def ref_attention(feats, mode, norm, weight=None, targets=None):
    """eq. 10, one example and one position at a time."""
    m, d, h, w = feats.shape
    r = h * w
    out = torch.zeros(m, r, dtype=feats.dtype)
    for i in range(m):
        z = feats[i].reshape(d, r)
        if mode == 'uniform':
            out[i] = 1.0 / r
            continue
        u = z.mean(1) if mode == 'gap' else weight.t() @ targets[i]
        s = torch.stack([z[:, j] @ u for j in range(r)])
        if norm == 'softmax':
            e = torch.exp(s - s.max())
            out[i] = e / e.sum()
        else:
            p = torch.clamp(s, min=0)
            out[i] = p / p.sum() if p.sum() > 0 else torch.full((r, ), 1 / r)
    return out


def ref_dense(feats, Y, attn, lam):
    """eqs. 11-14, loop over positions j and tuples k."""
    m, d, h, w = feats.shape
    r, _, n = lam.shape
    Z = feats.reshape(m, d, r)
    Zt = torch.zeros(n, d, r, dtype=feats.dtype)
    Yt = torch.zeros(n, r, Y.shape[1], dtype=feats.dtype)
    S = torch.zeros(n, r, dtype=feats.dtype)
    for j in range(r):
        M = torch.diag(attn[:, j]) @ lam[j]                  # eq. 11
        s = torch.ones(m, dtype=feats.dtype) @ M             # 1ᵀM
        for k in range(n):
            col = M[:, k] / s[k] if s[k] > 0 else lam[j][:, k]  # eq. 12
            Zt[k, :, j] = Z[:, :, j].t() @ col               # eq. 13
            Yt[k, j] = Y.t() @ col                           # eq. 14
            S[k, j] = s[k]
    return Zt.reshape(n, d, h, w), Yt, S


def ref_wce(logits, Y, s=None):
    """eq. 15 (eq. 1 when s is None), for one position."""
    n = logits.shape[0]
    s = torch.ones(n) if s is None else s
    tot = 0.0
    for k in range(n):
        p = torch.exp(logits[k]) / torch.exp(logits[k]).sum()
        tot = tot - s[k] * (Y[k] * torch.log(p)).sum()
    return tot / s.sum()


def _onehot(m, c, g):
    return torch.nn.functional.one_hot(torch.randint(c, (m, ), generator=g),
                                       c).float()


# ------------------------------------------------------------------- sampling
@pytest.mark.parametrize('alpha', [(0.5, 2.0), 1.0, 0.2, (1.0, 1.0)])
def test_sample_lambda_simplex_and_moments(alpha):
    m, n = 4, 40000
    lam = Fm.sample_lambda(m, n, alpha, generator=_gen(1), dtype=torch.float64)
    assert lam.shape == (m, n)
    assert bool((lam >= 0).all())
    torch.testing.assert_close(lam.sum(0), torch.ones(n, dtype=lam.dtype))
    # mean of a symmetric Dirichlet is 1/m
    assert abs(lam.mean().item() - 1 / m) < 1e-12  # columns sum to 1 exactly
    assert (lam.mean(1) - 1 / m).abs().max().item() < 0.01
    # variance of a component: Var = (m-1) / (m^2 (mα+1)); mixture over α~U
    lo, hi = (alpha, alpha) if isinstance(alpha, float) else alpha
    if lo == hi:
        expected = (m - 1) / (m**2 * (m * lo + 1))
    else:  # E_α[(m-1)/(m²(mα+1))] = (m-1)/(m³(hi-lo)) ln((m hi+1)/(m lo+1))
        expected = (m - 1) / (m**3 * (hi - lo)) * math.log(
            (m * hi + 1) / (m * lo + 1))
    var = lam[0].var().item()
    assert abs(var - expected) / expected < 0.05, (var, expected)


def test_sample_lambda_alpha_uniform_range():
    a = Fm.sample_alpha(20000, (0.5, 2.0), generator=_gen(2))
    assert a.min() >= 0.5 and a.max() <= 2.0
    assert abs(a.mean().item() - 1.25) < 0.02


def test_sample_lambda_generator_reproducible_and_device_dtype():
    a = Fm.sample_lambda(5, 7, generator=_gen(3), dtype=torch.float64)
    b = Fm.sample_lambda(5, 7, generator=_gen(3), dtype=torch.float64)
    assert torch.equal(a, b) and a.dtype == torch.float64
    h = Fm.sample_lambda(5, 7, generator=_gen(3), dtype=torch.bfloat16)
    assert h.dtype == torch.bfloat16


def test_sample_lambda_m1_and_small_alpha_no_nan():
    assert torch.equal(Fm.sample_lambda(1, 5), torch.ones(1, 5))
    lam = Fm.sample_lambda(64, 500, 0.01, generator=_gen(4))
    assert torch.isfinite(lam).all()
    torch.testing.assert_close(lam.sum(0), torch.ones(500))


def test_sample_dense_lambda():
    lam = Fm.sample_dense_lambda(3, 4, 6, generator=_gen(5))
    assert lam.shape == (3, 4, 6)
    torch.testing.assert_close(lam.sum(1), torch.ones(3, 6))
    assert not torch.equal(lam[0], lam[1])  # independent per position


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('alpha', [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 7.0])
def test_sample_gamma_matches_gamma_distribution(alpha, dtype):
    stats = pytest.importorskip('scipy.stats')
    conc = torch.tensor(alpha, dtype=dtype)
    x = Fm.sample_gamma(conc, (50000, ), _gen(int(alpha * 10)))
    assert x.dtype == dtype and x.shape == (50000, ) and bool((x > 0).all())
    # Kolmogorov-Smirnov against Gamma(alpha, 1): a wrong sampler (e.g.
    # missing the alpha < 1 boost or the acceptance test) fails by far
    assert stats.kstest(x.double().numpy(), 'gamma',
                        args=(alpha, )).pvalue > 1e-3
    logx = Fm.sample_gamma(conc, (50000, ), _gen(int(alpha * 10)), log=True)
    torch.testing.assert_close(logx.exp(), x)


def test_sample_gamma_broadcasts_per_column_and_tiny_alpha_in_log_space():
    stats = pytest.importorskip('scipy.stats')
    # one α per row (the Dirichlet layout: only rows with α < 1 are boosted)
    alpha = torch.tensor([[0.6], [1.0], [0.5], [4.0]])
    x = Fm.sample_gamma(alpha, (4, 30000), _gen(8))
    assert x.shape == (4, 30000)
    for row, a in zip(x, alpha.flatten().tolist()):
        assert stats.kstest(row.double().numpy(), 'gamma',
                            args=(a, )).pvalue > 1e-3
    lx = Fm.sample_gamma(torch.tensor(0.01), (1000, ), _gen(9), log=True)
    assert torch.isfinite(lx).all()
    with pytest.raises(TypeError, match='floating point'):
        Fm.sample_gamma(torch.tensor(2))
    for bad in (0.0, -1.0, float('nan'), float('inf')):
        with pytest.raises(ValueError, match='finite and > 0'):
            Fm.sample_gamma(torch.tensor([1.0, bad]))


@pytest.mark.parametrize('alpha', [(0.5, 2.0), 0.05])
def test_dense_lambda_chunks_are_sample_dense_lambda(alpha):
    r, m, n = 3, 5, 23
    chunks = list(Fm.dense_lambda_chunks(r, m, n, alpha, _gen(6),
                                         chunk_elements=r * m * 4))
    assert [c.shape for c in chunks] == [(r, m, 4)] * 5 + [(r, m, 3)]
    g = torch.cat(chunks, dim=2)
    assert bool((g >= 0).all()) and torch.isfinite(g).all()
    if alpha != 0.05:  # Gamma draws: strictly positive, unnormalised
        assert bool((g > 0).all())
        assert not torch.allclose(g.sum(1), torch.ones(r, n))
    lam = Fm.sample_dense_lambda(r, m, n, alpha, _gen(6))
    # the chunking changes the order of draws: compare at equal chunking
    lam_big = torch.cat(list(Fm.dense_lambda_chunks(r, m, n, alpha,
                                                    _gen(6))), dim=2)
    torch.testing.assert_close(lam, lam_big / lam_big.sum(1, keepdim=True))
    torch.testing.assert_close(lam.sum(1), torch.ones(r, n))
    # the vanilla Λ is the dense stream with r = 1
    torch.testing.assert_close(Fm.sample_lambda(m, n, alpha, _gen(7)),
                               Fm.sample_dense_lambda(1, m, n, alpha,
                                                      _gen(7))[0])


def test_sample_beta():
    b = Fm.sample_beta(0.4, (50000, ), generator=_gen(6), dtype=torch.float64)
    assert b.min() >= 0 and b.max() <= 1
    # Var Beta(a,a) = 1 / (4 (2a+1))
    assert abs(b.var().item() - 1 / (4 * 1.8)) < 0.005
    assert abs(b.mean().item() - 0.5) < 0.01


@pytest.mark.parametrize('kwargs,exc', [
    (dict(m=0, n=3), ValueError), (dict(m=3, n=0), ValueError),
    (dict(m=3, n=2, alpha=0.0), ValueError),
    (dict(m=3, n=2, alpha=-1.0), ValueError),
    (dict(m=3, n=2, alpha=(2.0, 0.5)), ValueError),
    (dict(m=3, n=2, alpha=(0.5, 1.0, 2.0)), TypeError),
    (dict(m=3, n=2, alpha='x'), TypeError),
    (dict(m=2.5, n=2), TypeError),
])
def test_sample_lambda_bad_input(kwargs, exc):
    key = [k for k in kwargs if k != 'n' or 'alpha' not in kwargs][-1]
    with pytest.raises(exc, match=key if key != 'alpha' else 'alpha'):
        Fm.sample_lambda(**kwargs)


# -------------------------------------------------------------------- mixing
@pytest.mark.parametrize('m,n,trailing', [(5, 200, (3, )), (2, 50, (2, 3)),
                                          (7, 3, ())])
def test_multimix_matches_loops(m, n, trailing):
    g = _gen(7)
    Z = torch.randn(m, *trailing, generator=g, dtype=torch.float64)
    Y = torch.rand(m, 4, generator=g, dtype=torch.float64).softmax(1)
    lam = Fm.sample_lambda(m, n, generator=g, dtype=torch.float64)
    Zt, Yt = Fm.multimix(Z, Y, lam)
    rZ, rY = ref_multimix(Z, Y, lam)
    torch.testing.assert_close(Zt, rZ)
    torch.testing.assert_close(Yt, rY)
    torch.testing.assert_close(Yt.sum(1), torch.ones(n, dtype=Yt.dtype))


def test_multimix_bad_shapes():
    with pytest.raises(ValueError, match='feats'):
        Fm.multimix(torch.zeros(3, 2), torch.zeros(3, 4), torch.ones(4, 5))
    with pytest.raises(ValueError, match='targets'):
        Fm.multimix(torch.zeros(4, 2), torch.zeros(3, 4), torch.ones(4, 5))
    with pytest.raises(ValueError, match='lam'):
        Fm.multimix(torch.zeros(4, 2), torch.zeros(4, 4), torch.ones(4))


def test_affine_classifier_commutes_with_interpolation():
    g = _gen(8)
    Z = torch.randn(6, 10, generator=g, dtype=torch.float64)
    fc = torch.nn.Linear(10, 3).double()
    lam = Fm.sample_lambda(6, 100, generator=g, dtype=torch.float64)
    Y = torch.eye(3, dtype=torch.float64)[torch.arange(6) % 3]
    a, _ = Fm.multimix(fc(Z), Y, lam)
    b = fc(Fm.multimix(Z, Y, lam)[0])
    torch.testing.assert_close(a, b)


def test_pair_mix():
    g = _gen(9)
    x = torch.randn(4, 3, 2, 2, generator=g)
    y = torch.eye(4)
    idx = torch.tensor([2, 0, 3, 1])
    xm, ym = Fm.pair_mix(x, y, 0.3, idx)
    for i in range(4):
        torch.testing.assert_close(xm[i], 0.3 * x[i] + 0.7 * x[idx[i]])
        torch.testing.assert_close(ym[i], 0.3 * y[i] + 0.7 * y[idx[i]])


# ----------------------------------------------------------------- attention
@pytest.mark.parametrize('mode', ['gap', 'cam', 'uniform'])
@pytest.mark.parametrize('norm', ['l1relu', 'softmax'])
def test_spatial_attention_matches_loops(mode, norm):
    g = _gen(10)
    feats = torch.randn(5, 6, 3, 2, generator=g, dtype=torch.float64)
    weight = torch.randn(4, 6, generator=g, dtype=torch.float64)
    targets = torch.eye(4, dtype=torch.float64)[torch.tensor([0, 1, 2, 3, 1])]
    a = Fm.spatial_attention(feats, mode, norm, weight, targets)
    torch.testing.assert_close(a, ref_attention(feats, mode, norm, weight,
                                                targets))
    torch.testing.assert_close(a.sum(1), torch.ones(5, dtype=a.dtype))


def test_spatial_attention_zero_fallback_and_errors():
    feats = torch.zeros(2, 3, 2, 2)
    a = Fm.spatial_attention(feats, 'gap', 'l1relu')
    torch.testing.assert_close(a, torch.full((2, 4), 0.25))
    with pytest.raises(ValueError, match='mode'):
        Fm.spatial_attention(feats, 'bogus')
    with pytest.raises(ValueError, match='norm'):
        Fm.spatial_attention(feats, 'gap', 'bogus')
    with pytest.raises(ValueError, match='cam'):
        Fm.spatial_attention(feats, 'cam')
    with pytest.raises(ValueError, match=r'\(m, d, h, w\)'):
        Fm.spatial_attention(torch.zeros(2, 3), 'gap')


# --------------------------------------------------------------------- dense
@pytest.mark.parametrize('m,n,h,w',
                         [(4, 30, 2, 3), (2, 5, 1, 1), (3, 1, 2, 2)])
@pytest.mark.parametrize('mode', ['gap', 'uniform'])
def test_dense_multimix_matches_loops(m, n, h, w, mode):
    g = _gen(11)
    feats = torch.randn(m, 5, h, w, generator=g, dtype=torch.float64)
    Y = _onehot(m, 3, g).double()
    attn = Fm.spatial_attention(feats, mode, 'l1relu')
    lam = Fm.sample_dense_lambda(h * w, m, n, generator=g, dtype=torch.float64)
    Zt, Yt, S = Fm.dense_multimix(feats, Y, attn, lam)
    rZ, rY, rS = ref_dense(feats, Y, attn, lam)
    torch.testing.assert_close(Zt, rZ)
    torch.testing.assert_close(Yt, rY)
    torch.testing.assert_close(S, rS)


def test_dense_r1_uniform_reduces_to_multimix():
    g = _gen(12)
    feats = torch.randn(6, 8, 1, 1, generator=g, dtype=torch.float64)
    Y = _onehot(6, 4, g).double()
    attn = Fm.spatial_attention(feats, 'uniform')
    lam = Fm.sample_dense_lambda(1, 6, 50, generator=g, dtype=torch.float64)
    Zt, Yt, S = Fm.dense_multimix(feats, Y, attn, lam)
    vZ, vY = Fm.multimix(feats.flatten(1), Y, lam[0])
    torch.testing.assert_close(Zt.flatten(1), vZ)
    torch.testing.assert_close(Yt[:, 0], vY)
    torch.testing.assert_close(S, torch.ones_like(S))  # uniform a = 1 at r=1
    logits = torch.randn(50, 4, generator=g, dtype=torch.float64)
    torch.testing.assert_close(
        Fm.weighted_soft_cross_entropy(logits[:, None], Yt, S),
        Fm.weighted_soft_cross_entropy(logits, vY))


def test_dense_zero_attention_position_is_finite():
    feats = torch.randn(3, 4, 1, 2, requires_grad=True)
    attn = torch.tensor([[0., 1.], [0., 1.], [0., 1.]])
    lam = Fm.sample_dense_lambda(2, 3, 5, generator=_gen(13))
    Y = torch.eye(3)
    Zt, Yt, S = Fm.dense_multimix(feats, Y, attn, lam)
    assert torch.equal(S[:, 0], torch.zeros(5))
    logits = torch.einsum('ndhw,cd->nhwc', Zt, torch.randn(3, 4)).flatten(1, 2)
    loss = Fm.weighted_soft_cross_entropy(logits, Yt, S)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(feats.grad).all()
    torch.testing.assert_close(Yt.sum(-1), torch.ones(5, 2))


def test_dense_interpolate_on_logits_equals_conv_of_mixed_feats():
    """Commutation used for speed: M̂ᵀ(W z + b) = W (M̂ᵀ z) + b per
    position."""
    g = _gen(14)
    feats = torch.randn(4, 6, 2, 2, generator=g, dtype=torch.float64)
    Y = _onehot(4, 3, g).double()
    conv = torch.nn.Conv2d(6, 3, 1).double()
    attn = Fm.spatial_attention(feats)
    lam = Fm.sample_dense_lambda(4, 4, 20, generator=g, dtype=torch.float64)
    Zt, _, _ = Fm.dense_multimix(feats, Y, attn, lam)
    a = conv(Zt).flatten(2).transpose(1, 2)  # (n, r, c)
    mhat, _ = Fm.dense_mix_weights(attn, lam)
    b = Fm.dense_interpolate(conv(feats).flatten(2), mhat)
    torch.testing.assert_close(a, b)


# -------------------------------------------------------------------- losses
def _unfused_dense_loss(L, a, Y, lam, teacher=None, teacher_probs=False):
    mhat, s = Fm.dense_mix_weights(a, lam)
    logits = Fm.dense_interpolate(L, mhat)
    cls = Fm.weighted_soft_cross_entropy(
        logits, Fm.dense_mix_targets(Y, mhat), s)
    if teacher is None:
        return cls, None
    with torch.no_grad():
        if teacher_probs:  # interpolated teacher probabilities
            pt = Fm.dense_interpolate(torch.softmax(teacher, 1), mhat)
        else:  # softmax of interpolated teacher logits (eq. 9)
            pt = torch.softmax(Fm.dense_interpolate(teacher, mhat), -1)
    return cls, Fm.weighted_soft_cross_entropy(logits, pt, s)


@pytest.mark.parametrize('teacher', [False, True, 'probs'])
@pytest.mark.parametrize('chunk', [1, 7, 40])
def test_fused_dense_loss_matches_unfused(teacher, chunk):
    g = _gen(21)
    m, c, r, n = 6, 5, 4, 37
    L = torch.randn(m, c, r, dtype=torch.float64, generator=g,
                    requires_grad=True)
    a = torch.rand(m, r, dtype=torch.float64, generator=g)
    a[1:, 1] = 0  # one example attends to position 1
    a[:, 3] = 0  # nobody attends to position 3: skipped (s = 0)
    a = (a / a.sum(1, keepdim=True)).requires_grad_()
    Y = torch.softmax(3 * torch.randn(m, c, dtype=torch.float64,
                                      generator=g), 1)
    T = torch.randn(m, c, r, dtype=torch.float64, generator=g)
    lam = Fm.sample_dense_lambda(r, m, n, generator=g, dtype=torch.float64)
    # columns only need to be proportional to Λ's: rescale them at random
    scaled = lam * torch.rand(r, 1, n, dtype=torch.float64, generator=g).add(
        0.5)
    out = Fm.dense_multimix_loss(L, a, Y, torch.split(scaled, chunk, dim=2),
                                 T if teacher else None,
                                 teacher_probs=teacher == 'probs')
    ref_cls, ref_dist = _unfused_dense_loss(L, a, Y, lam,
                                            T if teacher else None,
                                            teacher == 'probs')
    torch.testing.assert_close(out.cls, ref_cls)
    assert (out.distill is None) == (not teacher)
    total, ref_total = 0.7 * out.cls, 0.7 * ref_cls
    if teacher:
        torch.testing.assert_close(out.distill, ref_dist)
        total, ref_total = total + 0.3 * out.distill, ref_total + 0.3 * \
            ref_dist
    grads = torch.autograd.grad(total, [L, a])
    ref_grads = torch.autograd.grad(ref_total, [L, a])
    for got, want in zip(grads, ref_grads):
        assert want.abs().max() > 0
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
    # accuracy over the (tuple, position) pairs with weight s > 0
    mhat, s = Fm.dense_mix_weights(a.detach(), lam)
    z = Fm.dense_interpolate(L.detach(), mhat)
    y = Fm.dense_mix_targets(Y, mhat)
    hit = (z.argmax(-1) == y.argmax(-1))[s > 0].double().mean() * 100
    torch.testing.assert_close(out.acc, hit)


def test_fused_dense_loss_separate_gradients_and_errors():
    g = _gen(22)
    m, c, r, n = 4, 3, 2, 9
    L = torch.randn(m, c, r, generator=g, requires_grad=True)
    a = torch.softmax(torch.randn(m, r, generator=g), 1).requires_grad_()
    Y = torch.eye(c)[torch.tensor([0, 1, 2, 0])]
    T = torch.randn(m, c, r, generator=g)
    lam = Fm.sample_dense_lambda(r, m, n, generator=g)
    out = Fm.dense_multimix_loss(L, a, Y, [lam], T)
    # each term carries its own gradient (weights 2 and 5 as from gamma)
    (2 * out.cls + 5 * out.distill).backward()
    ref_cls, ref_dist = _unfused_dense_loss(L, a, Y, lam, T)
    want = torch.autograd.grad(2 * ref_cls + 5 * ref_dist, [L, a])
    torch.testing.assert_close(L.grad, want[0], rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(a.grad, want[1], rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match=r'attn must have shape \(m, r\)'):
        Fm.dense_multimix_loss(L, a[:, :1], Y, [lam])
    with pytest.raises(ValueError, match='lam chunks must have shape'):
        Fm.dense_multimix_loss(L, a, Y, [lam[:, :3]])
    with pytest.raises(ValueError, match='at least one lam chunk'):
        Fm.dense_multimix_loss(L, a, Y, [])
    with pytest.raises(ValueError, match='targets must have shape'):
        Fm.dense_multimix_loss(L, a, Y[:, :2], [lam])


def test_weighted_ce_matches_eq15_and_eq1():
    g = _gen(15)
    logits = torch.randn(7, 5, generator=g, dtype=torch.float64)
    Y = torch.rand(7, 5, generator=g, dtype=torch.float64).softmax(1)
    s = torch.rand(7, generator=g, dtype=torch.float64)
    torch.testing.assert_close(
        Fm.weighted_soft_cross_entropy(logits, Y, s).double(),
        ref_wce(logits, Y, s))
    torch.testing.assert_close(
        Fm.weighted_soft_cross_entropy(logits, Y).double(),
        ref_wce(logits, Y))


def test_weighted_ce_dense_averages_positions():
    g = _gen(16)
    logits = torch.randn(6, 3, 4, generator=g, dtype=torch.float64)
    Y = torch.rand(6, 3, 4, generator=g, dtype=torch.float64).softmax(-1)
    s = torch.rand(6, 3, generator=g, dtype=torch.float64)
    ref = sum(ref_wce(logits[:, j], Y[:, j], s[:, j]) for j in range(3)) / 3
    torch.testing.assert_close(
        Fm.weighted_soft_cross_entropy(logits, Y, s).double(), ref)
    s[:, 1] = 0  # a position with no weight is skipped
    ref = (ref_wce(logits[:, 0], Y[:, 0], s[:, 0]) +
           ref_wce(logits[:, 2], Y[:, 2], s[:, 2])) / 2
    torch.testing.assert_close(
        Fm.weighted_soft_cross_entropy(logits, Y, s).double(), ref)


def test_weighted_ce_all_zero_weights_and_gradients():
    logits = torch.randn(4, 3, requires_grad=True)
    loss = Fm.weighted_soft_cross_entropy(logits, torch.eye(3)[[0, 1, 2, 0]],
                                          torch.zeros(4))
    loss.backward()
    assert loss.item() == 0 and torch.equal(logits.grad, torch.zeros(4, 3))


def test_gradient_flow_through_multimix_loss():
    g = _gen(17)
    Z = torch.randn(5, 8, generator=g, dtype=torch.float64, requires_grad=True)
    fc = torch.nn.Linear(8, 3).double()
    Y = _onehot(5, 3, g).double()
    lam = Fm.sample_lambda(5, 64, generator=g, dtype=torch.float64)
    Zt, Yt = Fm.multimix(Z, Y, lam)
    loss = Fm.weighted_soft_cross_entropy(fc(Zt), Yt)
    gZ, = torch.autograd.grad(loss, Z)
    # reference gradient via the loop implementation
    Z2 = Z.detach().clone().requires_grad_(True)
    rZ, rY = ref_multimix(Z2, Y, lam)
    ref = ref_wce(fc(rZ), rY)
    gR, = torch.autograd.grad(ref, Z2)
    torch.testing.assert_close(gZ.double(), gR, rtol=1e-5, atol=1e-7)
    assert gZ.abs().sum() > 0


def test_dense_loss_is_finite_for_a_saturated_attention():
    """A softmax attention that saturates leaves ~1e-41 at a position for
    every example: 1 / (1ᵀM) overflowed to NaN before. Eqs. 12-15 do not
    change when a position's attention is scaled, so the loss and its
    gradients equal those of the attention scaled to 1 there."""
    torch.manual_seed(0)
    m, c, r, n = 4, 3, 2, 50
    L = torch.randn(m, c, r, dtype=torch.float32)
    Y = torch.eye(c)[torch.tensor([0, 1, 2, 0])]
    lam = Fm.sample_dense_lambda(r, m, n)
    a = torch.tensor([[0.5, 2e-41], [0.25, 1e-41], [0.25, 3e-41],
                      [0.0, 4e-41]])  # subnormal: 1 / (1ᵀM) overflows
    big = a.clone()
    big[:, 1] = (a[:, 1].double() * 1e41).float()
    outs = []
    for att in (a, big):
        att = att.clone().requires_grad_(True)
        logits = L.clone().requires_grad_(True)
        out = Fm.dense_multimix_loss(logits, att, Y, [lam])
        g = torch.autograd.grad(out.cls, [logits])[0]
        outs.append((out.cls, g))
    assert torch.isfinite(outs[0][0]) and torch.isfinite(outs[0][1]).all()
    torch.testing.assert_close(outs[0][0], outs[1][0])
    torch.testing.assert_close(outs[0][1], outs[1][1])
