"""The paper's baselines against re-implementations of their official code
(issue 24), on the same inputs and the same random draws: AlignMixup
(``utils/OT.py``, ``resnet18_classifier.py``), ζ-Mixup (``utils.py``,
``zeta_mixup.py``), PuzzleMix (``mixup.py``: ``mixup_graph``,
``graphcut_multi``, ``mask_transport``, ``transport_image``; ``main.py``'s
loss), SaliencyMix (``saliencymix.py``'s ``saliency_bbox``). The official
functions are copied with ``.cuda()`` removed and their random draws passed
in."""
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmmultimix  # noqa: F401
from mmmultimix import functional as Fm
from mmmultimix.models.mixers import (AlignMixupPlan, SaliencyMixPlan,
                                      ZetaMixupPlan)


# ---------------------------------------------------------------- AlignMixup
class OfficialSinkhorn(nn.Module):
    """``SinkhornDistance`` of AlignMixup's ``utils/OT.py`` (CPU)."""

    def __init__(self, eps, max_iter):
        super().__init__()
        self.eps, self.max_iter = eps, max_iter

    def forward(self, x, y):
        C = self._cost_matrix(x, y)
        x_points, y_points = x.shape[-2], y.shape[-2]
        batch_size = 1 if x.dim() == 2 else x.shape[0]
        mu = torch.empty(batch_size, x_points, dtype=torch.float,
                         requires_grad=False).fill_(1.0 / x_points).squeeze()
        nu = torch.empty(batch_size, y_points, dtype=torch.float,
                         requires_grad=False).fill_(1.0 / y_points).squeeze()
        u = torch.zeros_like(mu)
        v = torch.zeros_like(nu)
        thresh = 1e-1
        for i in range(self.max_iter):
            u1 = u
            u = self.eps * (torch.log(mu + 1e-8) - torch.logsumexp(
                self.M(C, u, v), dim=-1)) + u
            v = self.eps * (torch.log(nu + 1e-8) - torch.logsumexp(
                self.M(C, u, v).transpose(-2, -1), dim=-1)) + v
            err = (u - u1).abs().sum(-1).mean()
            if err.item() < thresh:
                break
        return torch.exp(self.M(C, u, v))

    def M(self, C, u, v):
        return (-C + u.unsqueeze(-1) + v.unsqueeze(-2)) / self.eps

    @staticmethod
    def _cost_matrix(x, y, p=2):
        x_col = x.unsqueeze(-2)
        y_lin = y.unsqueeze(-3)
        return torch.sum((torch.abs(x_col - y_lin))**p, -1)


def official_mixup_aligned(out, lam, indices, align_mix):
    """``mixup_aligned`` with its permutation and direction passed in."""
    feat1 = out.view(out.shape[0], out.shape[1], -1)
    feat2 = out[indices].view(out.shape[0], out.shape[1], -1)
    sinkhorn = OfficialSinkhorn(eps=0.1, max_iter=100)
    P = sinkhorn(feat1.permute(0, 2, 1), feat2.permute(0, 2, 1)).detach()
    P = P * (out.size(2) * out.size(3))
    if align_mix == 0:
        f1 = torch.matmul(feat2, P.permute(0, 2, 1)).view(out.shape)
        return feat1.view(out.shape) * lam + f1 * (1 - lam)
    f2 = torch.matmul(feat1, P).view(out.shape)
    return f2 * lam + feat2.view(out.shape) * (1 - lam)


def _feature_maps(b=6, d=32, h=4, w=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    # post-ReLU features of moderate scale, as at the last stage
    return torch.relu(torch.randn(b, d, h, w, generator=g)) * 0.3


def test_sinkhorn_equals_official():
    feat = _feature_maps()
    b, d = feat.shape[:2]
    x = feat.reshape(b, d, -1).transpose(1, 2)
    y = x[torch.tensor([3, 0, 5, 1, 2, 4])]
    ours = Fm.sinkhorn(x, y, eps=0.1, max_iter=100, thresh=0.1)
    ref = OfficialSinkhorn(0.1, 100)(x, y)
    torch.testing.assert_close(ours, ref, rtol=2e-4, atol=1e-7)
    # a plan: v is updated last, so its columns carry the marginal 1/P2
    torch.testing.assert_close(ours.sum(-2), torch.full((b, 16), 1 / 16),
                               rtol=1e-4, atol=0)


def _real_size_maps(d, h, scale, b=4):
    """Post-ReLU maps at the real sizes: R-18's last stage (512 x 4 x 4)
    and R-50's (2048 x 7 x 7): rectified normals with log-normal channel
    scales (as BN-ReLU outputs: many zeros, channels of unequal energy),
    overall ``scale``. The squared-L2 cost over ε = 0.1 then reaches 7e2
    to 3e5, far beyond the 32-channel toy maps."""
    g = torch.Generator().manual_seed(d + int(10 * scale))
    chan = torch.exp(0.5 * torch.randn(1, d, 1, 1, generator=g))
    return torch.relu(torch.randn(b, d, h, h, generator=g)) * chan * scale


@pytest.mark.parametrize('d,h', [(512, 4), (2048, 7)])
@pytest.mark.parametrize('scale', [0.3, 1.0, 3.0])
def test_sinkhorn_equals_official_at_real_sizes(d, h, scale):
    """Ours against the official solver where cost/ε is large: no NaN on
    either side, the plans equal within fp32 log-domain rounding (entries
    are ~1/P; |u|, |v| reach C ~ 3e4, whose fp32 spacing over ε moves an
    entry by well under 1 %), the columns carry 1/P (v is updated last),
    and both mixed maps of align_mix differ by no more than the plans'
    difference allows. The official stopping rule
    (mean Σ|Δu| < 0.1) leaves the row sums off 1/P at these scales, by up
    to 3x at scale 3: ours reproduces that, it does not hide it."""
    feat = _real_size_maps(d, h, scale)
    b, p = feat.shape[0], h * h
    x = feat.reshape(b, d, -1).transpose(1, 2)
    index = torch.tensor([1, 2, 3, 0])
    ours = Fm.sinkhorn(x, x[index], eps=0.1, max_iter=100, thresh=0.1)
    ref = OfficialSinkhorn(0.1, 100)(x, x[index])
    assert torch.isfinite(ours).all() and torch.isfinite(ref).all()
    torch.testing.assert_close(ours, ref, rtol=1e-2, atol=1e-4)
    torch.testing.assert_close(ours.sum(-2), torch.full((b, p), 1 / p),
                               rtol=1e-3, atol=0)
    torch.testing.assert_close(ours.sum(-1), ref.sum(-1), rtol=1e-2,
                               atol=1e-4)
    # the mixed maps differ by no more than the plans do: an aligned
    # feature is HW · Σ_j P_ij f_j, so |Δ| <= HW · max Σ|ΔP| · max|f|
    dp = (ours - ref).abs()
    bound = p * max(float(dp.sum(-1).max()), float(dp.sum(-2).max())) * \
        float(feat.abs().max()) + 1e-4 * float(feat.abs().max())
    for direction in (0, 1):
        mixed = Fm.align_mix(feat, index, 0.37, direction)
        want = official_mixup_aligned(feat, 0.37, index.numpy(), direction)
        assert float((mixed - want).abs().max()) <= bound


@pytest.mark.parametrize('direction', [0, 1])
def test_align_mix_equals_official(direction):
    feat = _feature_maps(seed=1)
    index = torch.tensor([2, 5, 0, 4, 1, 3])
    lam = 0.37
    ours = Fm.align_mix(feat, index, lam, direction)
    ref = official_mixup_aligned(feat, lam, index.numpy(), direction)
    torch.testing.assert_close(ours, ref, rtol=2e-4, atol=2e-5)


def test_align_mix_directions_differ_and_plan_is_constant():
    feat = _feature_maps(seed=2).requires_grad_(True)
    index = torch.tensor([1, 0, 3, 2, 5, 4])
    a = Fm.align_mix(feat, index, 0.5, 0)
    b = Fm.align_mix(feat, index, 0.5, 1)
    assert not torch.allclose(a, b)
    a.sum().backward()  # the plan is detached: gradient only through maps
    assert feat.grad is not None and torch.isfinite(feat.grad).all()


# ------------------------------------------------------------------ ζ-Mixup
def official_zeta_weights(u_np, gamma=2.8):
    """``zeta_mixup_weights`` with ``np.random.rand(m, m)`` passed in."""
    from numpy.fft import fft, ifft
    idxs_orig = np.argsort(u_np, axis=1) + 1
    _, s = np.where(idxs_orig == 1)
    s -= np.r_[0:idxs_orig.shape[0]]
    idxs_np = np.real(ifft(fft(idxs_orig, axis=1) * np.exp(
        2 * 1j * np.pi / idxs_orig.shape[1] * s[:, None] *
        np.r_[0:idxs_orig.shape[1]][None, :]), axis=1).round())
    idxs_pt = torch.Tensor(idxs_np)
    weights = torch.reciprocal(torch.pow(idxs_pt, gamma).float())
    weights /= torch.sum(weights, dim=1)
    return weights


@pytest.mark.parametrize('m', [1, 2, 7, 128])
def test_zeta_weights_equal_official(m):
    u = torch.rand(m, m, generator=torch.Generator().manual_seed(m))
    ours = Fm.zeta_weights_from_uniform(u, 2.8)
    ref = official_zeta_weights(u.double().numpy(), 2.8)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-7)


def test_zeta_weights_properties():
    m, gamma = 16, 2.8
    w = Fm.zeta_weights(m, gamma, torch.Generator().manual_seed(0))
    series = torch.arange(1, m + 1, dtype=torch.float64).pow(-gamma)
    series = (series / series.sum()).float()
    torch.testing.assert_close(w.sum(1), torch.ones(m))
    torch.testing.assert_close(w.diagonal(), torch.full((m, ), series[0]))
    for row in w:  # each row a permutation of the series
        torch.testing.assert_close(row.sort(descending=True).values, series)
    # the mixing of the official zeta_mixup: x_new[p] = sum_i W_pi x_i
    x = torch.randn(m, 3, 4, 4)
    y = F.one_hot(torch.arange(m) % 5, 5).float()
    plan = ZetaMixupPlan(0, w.t())
    xm, ym = plan.mix(x, y)
    torch.testing.assert_close(xm, torch.einsum('ijkl,pi->pjkl', x, w))
    torch.testing.assert_close(ym, torch.einsum('pq,qj->pj', w, y))


@pytest.mark.parametrize('gamma', [1.0, 0.5, -2])
def test_zeta_gamma_must_exceed_one(gamma):
    with pytest.raises(ValueError, match=r'mixer\.gamma must be > 1'):
        MODELS.build(dict(type='ZetaMixup', gamma=gamma))


# ---------------------------------------------------------------- PuzzleMix
def official_cost_matrix(width):
    C = np.zeros([width**2, width**2], dtype=np.float32)
    for m_i in range(width**2):
        i1, j1 = m_i // width, m_i % width
        for m_j in range(width**2):
            i2, j2 = m_j // width, m_j % width
            C[m_i, m_j] = abs(i1 - i2)**2 + abs(j1 - j2)**2
    return torch.tensor(C / (width - 1)**2)


def official_graphcut_multi(unary1, unary2, pw_x, pw_y, alpha, beta, eta,
                            n_labels=2, eps=1e-8):
    import gco
    block_num = unary1.shape[0]
    large_val = 1000 * block_num**2
    prior = np.array([
        -np.log(alpha**2 + eps), -np.log(2 * alpha * (1 - alpha) + eps),
        -np.log((1 - alpha)**2 + eps)
    ])
    prior = eta * prior / block_num**2
    unary_cost = (large_val * np.stack(
        [(1 - lam) * unary1 + lam * unary2 + prior[i]
         for i, lam in enumerate(np.linspace(0, 1, n_labels))],
        axis=-1)).astype(np.int32)
    pairwise_cost = np.zeros(shape=[n_labels, n_labels], dtype=np.float32)
    for i in range(n_labels):
        for j in range(n_labels):
            pairwise_cost[i, j] = (i - j)**2 / (n_labels - 1)**2
    pw_x = (large_val * (pw_x + beta)).astype(np.int32)
    pw_y = (large_val * (pw_y + beta)).astype(np.int32)
    labels = 1.0 - gco.cut_grid_graph(unary_cost, pairwise_cost, pw_x, pw_y,
                                      algorithm='swap') / (n_labels - 1)
    return labels.reshape(block_num, block_num)


def official_neigh_penalty(input1, input2, k):
    pw_x = input1[:, :, :-1, :] - input2[:, :, 1:, :]
    pw_y = input1[:, :, :, :-1] - input2[:, :, :, 1:]
    pw_x = pw_x[:, :, k - 1::k, :]
    pw_y = pw_y[:, :, :, k - 1::k]
    pw_x = F.avg_pool2d(pw_x.abs().mean(1), kernel_size=(1, k))
    pw_y = F.avg_pool2d(pw_y.abs().mean(1), kernel_size=(k, 1))
    return pw_x, pw_y


def official_mask_transport(mask, grad_pool, eps=0.01):
    batch_size = mask.shape[0]  # noqa: F841  (as the official code)
    block_num = mask.shape[-1]
    n_iter = int(block_num)
    C = official_cost_matrix(block_num).unsqueeze(0)
    z = (mask > 0).float()
    cost = eps * C - grad_pool.reshape(-1, block_num**2, 1) * z.reshape(
        -1, 1, block_num**2)
    for _ in range(n_iter):
        row_best = cost.min(-1)[1]
        plan = torch.zeros_like(cost).scatter_(-1, row_best.unsqueeze(-1), 1)
        cost_fight = plan * cost
        col_best = cost_fight.min(-2)[1]
        plan_win = torch.zeros_like(cost).scatter_(-2, col_best.unsqueeze(-2),
                                                   1) * plan
        plan_lose = (1 - plan_win) * plan
        cost += plan_lose
    return plan_win


def official_transport_image(img, plan, batch_size, block_num, block_size):
    input_patch = img.reshape([batch_size, 3, block_num, block_size,
                               block_num * block_size]).transpose(-2, -1)
    input_patch = input_patch.reshape([batch_size, 3, block_num, block_num,
                                       block_size, block_size]).transpose(
                                           -2, -1)
    input_patch = input_patch.reshape([
        batch_size, 3, block_num**2, block_size, block_size
    ]).permute(0, 1, 3, 4, 2).unsqueeze(-1)
    input_transport = plan.transpose(-2, -1).unsqueeze(1).unsqueeze(
        1).unsqueeze(1).matmul(input_patch).squeeze(-1).permute(0, 1, 4, 2, 3)
    input_transport = input_transport.reshape(
        [batch_size, 3, block_num, block_num, block_size, block_size])
    input_transport = input_transport.transpose(-2, -1).reshape(
        [batch_size, 3, block_num, block_num * block_size, block_size])
    input_transport = input_transport.transpose(-2, -1).reshape(
        [batch_size, 3, block_num * block_size, block_num * block_size])
    return input_transport


def official_mixup_graph(input1, grad1, indices, block_num, alpha, beta,
                         gamma, eta, neigh_size, n_labels, mean, std,
                         transport, t_eps, t_size):
    """``mixup_graph`` without the adversarial part, CPU."""
    input2 = input1[indices].clone()
    batch_size, _, _, width = input1.shape
    block_size = width // block_num
    neigh_size = min(neigh_size, block_size)
    t_size = min(t_size, block_size)
    beta = beta / block_num / 16
    grad1_pool = F.avg_pool2d(grad1, block_size)
    unary1_torch = grad1_pool / grad1_pool.reshape(batch_size, -1).sum(
        1).reshape(batch_size, 1, 1)
    unary2_torch = unary1_torch[indices]
    input1_pool = F.avg_pool2d(input1 * std + mean, neigh_size)
    input2_pool = input1_pool[indices]
    pw_x = torch.zeros([batch_size, 2, 2, block_num - 1, block_num])
    pw_y = torch.zeros([batch_size, 2, 2, block_num, block_num - 1])
    k = block_size // neigh_size
    pw_x[:, 0, 0], pw_y[:, 0, 0] = official_neigh_penalty(
        input2_pool, input2_pool, k)
    pw_x[:, 0, 1], pw_y[:, 0, 1] = official_neigh_penalty(
        input2_pool, input1_pool, k)
    pw_x[:, 1, 0], pw_y[:, 1, 0] = official_neigh_penalty(
        input1_pool, input2_pool, k)
    pw_x[:, 1, 1], pw_y[:, 1, 1] = official_neigh_penalty(
        input1_pool, input1_pool, k)
    pw_x = beta * gamma * pw_x
    pw_y = beta * gamma * pw_y
    unary1 = unary1_torch.clone()
    unary2 = unary2_torch.clone()
    unary2[:, :-1, :] += (pw_x[:, 1, 0] + pw_x[:, 1, 1]) / 2.
    unary1[:, :-1, :] += (pw_x[:, 0, 1] + pw_x[:, 0, 0]) / 2.
    unary2[:, 1:, :] += (pw_x[:, 0, 1] + pw_x[:, 1, 1]) / 2.
    unary1[:, 1:, :] += (pw_x[:, 1, 0] + pw_x[:, 0, 0]) / 2.
    unary2[:, :, :-1] += (pw_y[:, 1, 0] + pw_y[:, 1, 1]) / 2.
    unary1[:, :, :-1] += (pw_y[:, 0, 1] + pw_y[:, 0, 0]) / 2.
    unary2[:, :, 1:] += (pw_y[:, 0, 1] + pw_y[:, 1, 1]) / 2.
    unary1[:, :, 1:] += (pw_y[:, 1, 0] + pw_y[:, 0, 0]) / 2.
    pw_x = (pw_x[:, 1, 0] + pw_x[:, 0, 1] - pw_x[:, 1, 1] - pw_x[:, 0, 0]) / 2
    pw_y = (pw_y[:, 1, 0] + pw_y[:, 0, 1] - pw_y[:, 1, 1] - pw_y[:, 0, 0]) / 2
    unary1, unary2 = unary1.numpy(), unary2.numpy()
    pw_x, pw_y = pw_x.numpy(), pw_y.numpy()
    mask = [official_graphcut_multi(unary2[i], unary1[i], pw_x[i], pw_y[i],
                                    alpha, beta, eta, n_labels)
            for i in range(batch_size)]
    mask = torch.tensor(np.stack(mask), dtype=torch.float32).unsqueeze(1)
    if transport:
        if t_size == -1:
            t_block_num = block_num
            t_size = block_size
        elif t_size < block_size:
            t_block_num = width // t_size
            mask = F.interpolate(mask, size=t_block_num)
            grad1_pool = F.avg_pool2d(grad1, t_size)
            unary1_torch = grad1_pool / grad1_pool.reshape(batch_size, -1).sum(
                1).reshape(batch_size, 1, 1)
            unary2_torch = unary1_torch[indices]
        else:
            t_block_num = block_num
        plan = official_mask_transport(mask, unary1_torch, eps=t_eps)
        input1 = official_transport_image(input1, plan, batch_size,
                                          t_block_num, t_size)
        plan = official_mask_transport(1 - mask, unary2_torch, eps=t_eps)
        input2 = official_transport_image(input2, plan, batch_size,
                                          t_block_num, t_size)
    mask = F.interpolate(mask, size=width)
    ratio = mask.reshape(batch_size, -1).mean(-1)
    return mask * input1 + (1 - mask) * input2, ratio


def _puzzle_data(b=6, width=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    # multiples of 1/256: x * 255 / 255 is exact, so the official [0, 1]
    # pixels (mean 0, std 1) and ours (0-255 scale, std 255) coincide
    x = torch.randint(0, 256, (b, 3, width, width), generator=g) / 256.
    sal = torch.rand(b, width, width, generator=g) ** 3 + 1e-3
    return x, sal


@pytest.mark.parametrize('block_num,t_size', [(2, 4), (4, 4), (8, 4),
                                              (16, 4), (4, -1), (8, 16)])
@pytest.mark.parametrize('transport', [True, False])
def test_puzzlemix_equals_official(block_num, t_size, transport):
    pytest.importorskip('gco')
    x, sal = _puzzle_data(seed=block_num)
    index = torch.tensor([3, 0, 5, 1, 2, 4])
    lam = 0.42
    hp = dict(beta=1.2, gamma=0.5, eta=0.2, neigh_size=4, n_labels=3,
              transport=transport, t_eps=0.8, t_size=t_size)
    sol = Fm.puzzle_solve(x, sal, index, lam, block_num,
                          mean=torch.zeros(3, 1, 1),
                          std=torch.full((3, 1, 1), 255.),
                          params=Fm.PuzzleParams(**hp))
    ours, ratio = Fm.puzzle_apply(x, index, sol)
    ref, ref_ratio = official_mixup_graph(x, sal, index.numpy(), block_num,
                                          lam, mean=0., std=1., **hp)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(ratio, ref_ratio)
    vals = set(torch.unique(sol.mask).tolist())
    assert vals <= {0.0, 0.5, 1.0}


@pytest.mark.parametrize('block_num', [2, 4, 7, 14])
@pytest.mark.parametrize('eps', [0.8, 0.01, 0.0])
def test_mask_transport_equals_the_official_loop_on_ties(block_num, eps):
    """The index-form transport gives the official loop's plans exactly,
    also where the fights tie: all-0 and all-1 masks (costs of exactly 0 on
    the diagonal), zero saliency and saliency on a few levels."""
    g = torch.Generator().manual_seed(block_num)
    b, side = 12, 2 * block_num
    mask = torch.randint(0, 3, (b, 1, block_num, block_num),
                         generator=g) / 2.
    mask[:3], mask[3:5] = 0., 1.
    sal = torch.rand(b, side, side, generator=g)
    sal[5:7] = torch.randint(0, 4, (2, side, side), generator=g).float()
    sal[7:9, :block_num] = 0.
    pool = F.avg_pool2d(sal, 2)
    pool = pool / pool.reshape(b, -1).sum(1).clamp(min=1e-12)[:, None, None]
    pool[9] = 0.
    for m in (mask, 1 - mask):
        ours = Fm.mask_transport(m, pool, eps=eps)
        ref = official_mask_transport(m, pool, eps=eps)
        assert torch.equal(ours, ref)
        assert ((ours == 0) | (ours == 1)).all()


def test_puzzlemix_worker_pool_gives_the_same_masks():
    pytest.importorskip('gco')
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing as mp
    x, sal = _puzzle_data(seed=3)
    index = torch.tensor([1, 2, 3, 4, 5, 0])
    args = (x, sal, index, 0.6, 8, torch.zeros(3, 1, 1),
            torch.full((3, 1, 1), 255.))
    ref = Fm.puzzle_solve(*args)
    with ProcessPoolExecutor(2, mp_context=mp.get_context('spawn')) as pool:
        pooled = Fm.puzzle_solve(*args, map_fn=pool.map)
    torch.testing.assert_close(pooled.mask, ref.mask)
    torch.testing.assert_close(pooled.plan1, ref.plan1)


def test_softmax_bce_equals_official_loss():
    logits = torch.randn(8, 10)
    target = torch.softmax(torch.randn(8, 10), 1)
    ref = nn.BCELoss()(nn.Softmax(dim=1)(logits), target)
    torch.testing.assert_close(Fm.softmax_bce(logits, target), ref)
    loss = MODELS.build(dict(type='SoftmaxBCELoss', loss_weight=2.0))
    torch.testing.assert_close(loss(logits, target), 2 * ref)


def test_puzzlemix_geometry_errors_name_the_key():
    pytest.importorskip('gco')
    with pytest.raises(ValueError, match=r'model\.mixer\.block_nums'):
        Fm.check_puzzle_geometry(28, 8, 4, 4)
    with pytest.raises(ValueError, match=r'model\.mixer\.neigh_size'):
        Fm.check_puzzle_geometry(28, 4, 4, 4)  # 7-pixel blocks
    Fm.check_puzzle_geometry(28, 7, 2, 2)  # the Fashion-MNIST setting
    with pytest.raises(ValueError, match=r'mixer\.block_nums'):
        MODELS.build(dict(type='PuzzleMix', block_nums=(1, 2)))


def test_missing_gco_names_the_package(monkeypatch):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **k):
        if name == 'gco':
            raise ImportError('no gco')
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, '__import__', fake)
    with pytest.raises(ImportError, match='pip install gco-wrapper'):
        MODELS.build(dict(type='PuzzleMix'))


# -------------------------------------------------------------- SaliencyMix
def official_saliency_bbox(img, lam):
    import cv2
    size = img.size()
    W = size[1]
    H = size[2]
    cut_rat = np.sqrt(1. - lam)
    cut_w = int(W * cut_rat)  # np.int in the official code
    cut_h = int(H * cut_rat)
    temp_img = img.cpu().numpy().transpose(1, 2, 0)
    saliency = cv2.saliency.StaticSaliencyFineGrained_create()
    (success, saliencyMap) = saliency.computeSaliency(temp_img)
    saliencyMap = (saliencyMap * 255).astype('uint8')
    maximum_indices = np.unravel_index(np.argmax(saliencyMap, axis=None),
                                       saliencyMap.shape)
    x = maximum_indices[0]
    y = maximum_indices[1]
    bbx1 = np.clip(x - cut_w // 2, 0, W)
    bby1 = np.clip(y - cut_h // 2, 0, H)
    bbx2 = np.clip(x + cut_w // 2, 0, W)
    bby2 = np.clip(y + cut_h // 2, 0, H)
    return bbx1, bby1, bbx2, bby2


def _cifar_like(n=12, size=32, seed=0):
    """Real photographs cut into CIFAR-sized uint8 tiles (scikit-learn's
    two sample images, China and a flower): ``(n, size, size, 3)``."""
    from sklearn.datasets import load_sample_images
    rng = np.random.RandomState(seed)
    tiles = []
    for k in range(n):
        img = load_sample_images().images[k % 2]
        r = rng.randint(0, img.shape[0] - 4 * size)
        c = rng.randint(0, img.shape[1] - 4 * size)
        tiles.append(img[r:r + 4 * size:4, c:c + 4 * size:4])
    return np.stack(tiles).astype(np.uint8)


def _official_cifar_input(tile):
    """``saliencymix.py``'s training tensor: ToTensor and Normalize with
    CIFAR-10's statistics (CIFAR-10 and CIFAR-100 alike)."""
    from PIL import Image
    from torchvision import transforms
    normalize = transforms.Normalize(
        mean=[x / 255.0 for x in [125.3, 123.0, 113.9]],
        std=[x / 255.0 for x in [63.0, 62.1, 66.7]])
    return transforms.Compose([transforms.ToTensor(),
                               normalize])(Image.fromarray(tile))


def test_official_saliency_input_is_bit_exact():
    tiles = _cifar_like(4)
    for tile in tiles:
        ref = _official_cifar_input(tile)
        ours = Fm.official_saliency_input(
            torch.from_numpy(tile).permute(2, 0, 1),
            **Fm.SALIENCYMIX_CIFAR_NORM)
        assert ours.dtype == torch.float32 and torch.equal(ours, ref)


@pytest.mark.parametrize('lam', [0.1, 0.5, 0.93])
def test_saliency_box_equals_official_on_official_inputs(lam):
    """CIFAR-100 as our config trains it (its own statistics in the data
    preprocessor), the box found from the official input (CIFAR-10's
    statistics) equals the official code's on the same tiles."""
    pytest.importorskip('cv2')
    tiles = _cifar_like(12, seed=int(lam * 100))
    mean = torch.tensor([129.304, 124.070, 112.434])  # cifar100.py
    std = torch.tensor([68.170, 65.392, 70.418])
    x = (torch.from_numpy(tiles).permute(0, 3, 1, 2).float() -
         mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
    for k in range(len(tiles)):
        index = torch.roll(torch.arange(len(tiles)), -k)  # partner k first
        plan = SaliencyMixPlan(0, torch.tensor(lam), index,
                               norm=Fm.SALIENCYMIX_CIFAR_NORM)
        plan.find_box(x, mean, std)
        r1, r2, c1, c2 = plan.pixel_box
        ref = official_saliency_bbox(_official_cifar_input(tiles[k]), lam)
        assert (r1, c1, r2, c2) == tuple(int(v) for v in ref)


def test_saliency_map_type_and_scale_are_checked(monkeypatch):
    """OpenCV contrib 4.x returns float32 in [0, 1]; an 8-bit map (which
    the official ``(map * 255).astype('uint8')`` would wrap around) is an
    error, not a moved box."""
    cv2 = pytest.importorskip('cv2')
    img = _official_cifar_input(_cifar_like(1)[0])
    ok, smap = cv2.saliency.StaticSaliencyFineGrained_create(
    ).computeSaliency(img.numpy().transpose(1, 2, 0))
    assert ok and smap.dtype == np.float32
    assert 0.0 <= smap.min() and smap.max() <= 1.0

    class EightBit:
        def computeSaliency(self, image):
            return True, (smap * 255).astype(np.uint8)

    import mmmultimix.functional.saliency as S
    monkeypatch.setattr(S, '_saliency_detector', lambda: EightBit())
    with pytest.raises(RuntimeError, match='float32 in \\[0, 1\\]'):
        Fm.saliency_peak(img)


def test_saliencymix_pastes_the_box_of_one_partner():
    pytest.importorskip('cv2')
    tiles = torch.from_numpy(_cifar_like(5)).permute(0, 3, 1, 2).float()
    mean, std = torch.full((3, ), 120.), torch.full((3, ), 60.)
    x = (tiles - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
    y = F.one_hot(torch.arange(5), 5).float()
    index = torch.tensor([2, 0, 1, 4, 3])
    plan = SaliencyMixPlan(0, torch.tensor(0.6), index,
                           norm=Fm.SALIENCYMIX_CIFAR_NORM)
    with pytest.raises(RuntimeError, match='find_box'):
        plan.mix(x, y)
    plan.find_box(x, mean, std)
    xm, ym = plan.mix(x, y)
    r1, c1, r2, c2 = Fm.saliency_box(Fm.official_saliency_input(
        tiles[2], **Fm.SALIENCYMIX_CIFAR_NORM), 0.6)
    ref = x.clone()
    ref[:, :, r1:r2, c1:c2] = x[index, :, r1:r2, c1:c2]
    torch.testing.assert_close(xm, ref)
    lam = 1 - (r2 - r1) * (c2 - c1) / 32**2
    torch.testing.assert_close(ym, lam * y + (1 - lam) * y[index])
    assert plan.pixel_box == (r1, r2, c1, c2)  # reused for the teacher


def test_saliency_norm_errors_name_the_key():
    pytest.importorskip('cv2')
    for bad in (dict(mean=[0.5]), dict(mean=[0.5], std=[0.0]),
                dict(mean=[0.5, 0.5], std=[0.2])):
        with pytest.raises(ValueError, match='mixer.saliency_norm'):
            MODELS.build(dict(type='SaliencyMix', saliency_norm=bad))
    with pytest.raises(ValueError, match='mixer.saliency_norm'):
        Fm.official_saliency_input(torch.zeros(1, 4, 4),
                                   **Fm.SALIENCYMIX_CIFAR_NORM)


# ------------------------------------------------------- mixers end to end
def _model(mixer, distill=None, neck=True, loss=None):
    cfg = dict(
        type='MultiMixClassifier',
        backbone=dict(type='PreActResNet', depth=18, base_channels=8),
        neck=dict(type='GlobalAveragePooling') if neck else None,
        head=dict(type='LinearClsHead', num_classes=5, in_channels=64)
        if neck else dict(type='DenseLinearClsHead', num_classes=5,
                          in_channels=64, dense_size=4),
        data_preprocessor=dict(mean=[120.] * 3, std=[60.] * 3,
                               num_classes=5),
        mixer=mixer, distill=distill, dense_loss=not neck)
    if loss is not None:  # the head's loss is the training loss
        cfg['head']['loss'] = loss
    model = MODELS.build(cfg)
    model.init_weights()
    return model.train()


def _samples(m):
    return [DataSample().set_gt_label(i % 5) for i in range(m)]


def test_alignmixup_branches_and_directions():
    torch.manual_seed(0)  # the mixer's generator is seeded from it
    mixer = MODELS.build(dict(type='AlignMixup'))
    kinds = [type(mixer.sample(8)).__name__ for _ in range(200)]
    assert 120 > kinds.count('AlignMixupPlan') > 80  # p = 0.5
    dirs = [p.direction for p in (mixer.sample(8) for _ in range(200))
            if isinstance(p, AlignMixupPlan)]
    assert 0 in dirs and 1 in dirs
    lams = torch.stack([mixer.sample(8).lam for _ in range(2000)])
    assert abs(float(lams.var()) - 0.05) < 0.01  # Beta(2, 2): var 1/20


@pytest.mark.parametrize('mixer', [
    dict(type='AlignMixup', prob=1.0), dict(type='ZetaMixup'),
    dict(type='SaliencyMix', prob=1.0),
    dict(type='PuzzleMix', block_nums=(2, 4, 8, 16))
])
@pytest.mark.parametrize('distill,neck', [(None, True),
                                          (dict(gamma=0.5), True),
                                          (dict(gamma=0.5), False)])
def test_mixers_train_with_distillation_and_dense_loss(mixer, distill, neck):
    if mixer['type'] == 'PuzzleMix':
        pytest.importorskip('gco')
    model = _model(mixer, distill, neck)
    x = torch.randn(8, 3, 32, 32) if distill is None else \
        torch.randn(2, 8, 3, 32, 32)
    losses = model.loss(x, _samples(8))
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert all(torch.isfinite(p.grad).all()
               for p in model.backbone.parameters() if p.grad is not None)


def test_alignmixup_teacher_shares_lambda_index_and_direction(monkeypatch):
    model = _model(dict(type='AlignMixup', prob=1.0), dict(gamma=0.5))
    seen = []
    real = Fm.align_mix

    def spy(feat, index, lam, direction, **kw):
        seen.append((index.clone(), float(lam), direction))
        return real(feat, index, lam, direction, **kw)

    import mmmultimix.models.mixers.baseline_plans as bp
    monkeypatch.setattr(bp.Fm, 'align_mix', spy)
    model.update_teacher()
    model.loss(torch.randn(2, 8, 3, 32, 32), _samples(8))
    assert len(seen) == 2  # student, then teacher
    assert torch.equal(seen[0][0], seen[1][0])
    assert seen[0][1:] == seen[1][1:]


def test_alignmixup_needs_a_spatial_map():
    plan = AlignMixupPlan('feature_map', torch.tensor(0.5),
                          torch.tensor([1, 0]), 0)
    with pytest.raises(ValueError, match=r'model\.mixer \(AlignMixup\)'):
        plan.mix(torch.randn(2, 8, 1, 1), torch.eye(2))


def test_puzzlemix_saliency_pass_leaves_parameters_clean():
    pytest.importorskip('gco')
    model = _model(dict(type='PuzzleMix', block_nums=(4, )),
                   loss=dict(type='SoftmaxBCELoss'))
    stats = {k: v.clone() for k, v in model.state_dict().items()
             if 'running_mean' in k}
    plan = model.mixer.sample(8)
    from mmmultimix.models.classifiers.prepare_plan import \
        puzzle_saliency_pass
    x = torch.randn(8, 3, 32, 32)
    targets = F.one_hot(torch.arange(8) % 5, 5).float()
    aux = puzzle_saliency_pass(model, x, targets, plan)
    assert aux is None and plan.solution is not None
    assert all(p.grad is None for p in model.parameters())  # discarded
    for k, v in model.state_dict().items():  # eval mode: no BN update
        if k in stats:
            torch.testing.assert_close(v, stats[k])
    assert model.training and model.backbone.training
    # clean_lam > 0: train mode, the clean loss is returned to train on
    plan = model.mixer.sample(8)
    plan.clean_lam = 1.0
    aux = puzzle_saliency_pass(model, x, targets, plan)
    assert aux is not None and aux.requires_grad
    # the returned loss is 2 * clean_lam * CE / c of the batch, in train
    # mode (batch statistics: the same logits again)
    with torch.no_grad():
        ce = Fm.soft_cross_entropy(model(x), targets).mean()
    torch.testing.assert_close(aux.detach(), 2 * ce / 5)


def test_baseline_mixers_draw_per_rank_and_resume(monkeypatch):
    import mmengine.dist
    for cfg in (dict(type='AlignMixup'), dict(type='ZetaMixup'),
                dict(type='SaliencyMix'), dict(type='PuzzleMix')):
        if cfg['type'] == 'PuzzleMix':
            pytest.importorskip('gco')
        draws = []
        for rank in (0, 1):
            monkeypatch.setattr(mmengine.dist, 'get_rank', lambda r=rank: r)
            torch.manual_seed(0)
            m = MODELS.build(cfg)
            draws.append(torch.rand(4, generator=m.generator))
        assert not torch.equal(draws[0], draws[1])  # ranks differ
        m = MODELS.build(cfg)
        state = m.state_dict()
        a = [torch.rand(3, generator=m.generator) for _ in range(2)]
        m2 = MODELS.build(cfg)
        m2.load_state_dict(state)
        b = [torch.rand(3, generator=m2.generator) for _ in range(2)]
        assert all(torch.equal(u, v) for u, v in zip(a, b))  # resumes


def test_missing_contrib_opencv_names_the_install_command(monkeypatch):
    import types
    fake_cv2 = types.ModuleType('cv2')  # the plain build: no cv2.saliency
    monkeypatch.setitem(sys.modules, 'cv2', fake_cv2)
    with pytest.raises(ImportError, match='opencv-contrib-python-headless'):
        MODELS.build(dict(type='SaliencyMix'))
    with pytest.raises(ImportError, match='opencv-contrib-python-headless'):
        Fm.saliency_peak(torch.randn(3, 8, 8))


def official_imagenet_puzzle_loss(model, x, y, mixed, ratio, index,
                                  clean_lam):
    """``imagenet/train.py`` of snu-mllab/PuzzleMix, the loss lines
    (``criterion = CrossEntropyLoss()``, ``criterion_batch`` its
    ``reduction='none'``): the clean loss ``clean_lam * criterion(output,
    target)`` when ``clean_lam > 0`` (else the pass only gives saliency),
    then ``lam * criterion_batch(output, target) + (1 - lam) *
    criterion_batch(output, target[rand_index])``, averaged, ``lam`` the
    per-example mask ratio ``mixup_graph`` returns."""
    criterion = nn.CrossEntropyLoss()
    criterion_batch = nn.CrossEntropyLoss(reduction='none')
    total = 0.0
    if clean_lam > 0:
        total = clean_lam * criterion(model(x), y)
    output = model(mixed)
    loss = ratio * criterion_batch(output, y) + (1 - ratio) * \
        criterion_batch(output, y[index])
    return total + torch.mean(loss)


@pytest.mark.parametrize('config', ['r50_imagenet_puzzlemix',
                                    'r50_imagenet_puzzlemix_fast'])
def test_puzzlemix_imagenet_loss_equals_official(config):
    """The ImageNet configs train the official ImageNet loss: CE of the
    mixed pair (not the CIFAR code's SoftmaxBCELoss) and the clean loss
    ``clean_lam · CE``; same model, same draws (the mixer's generator
    replayed), same mixed batch."""
    pytest.importorskip('gco')
    import os.path as osp

    from mmengine.config import Config

    from mmmultimix.models.classifiers.prepare_plan import \
        puzzle_saliency_pass
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    cfg = Config.fromfile(osp.join(root, 'configs', 'multimix',
                                   config + '.py'))
    assert cfg.model.head.loss.type != 'SoftmaxBCELoss'
    assert cfg.model.mixer.clean_loss == 'imagenet'
    clean_lam = cfg.model.mixer.clean_lam
    assert clean_lam == (1.0 if config.endswith('fast') else 0.0)
    mixer = dict(cfg.model.mixer, block_nums=(4, ), workers=0,
                 t_size=-1)  # 32-pixel images here
    model = _model(mixer, loss=dict(cfg.model.head.loss))
    torch.manual_seed(0)
    x = torch.randn(8, 3, 32, 32)
    samples = _samples(8)
    y = torch.arange(8) % 5
    import copy
    weights = copy.deepcopy(model.state_dict())  # BN statistics included
    state = model.mixer.generator.get_state()
    ours = model.loss(x, samples)
    # the same draws and the same eval-mode saliency pass again (the mixed
    # forward moved the BN running statistics)
    model.load_state_dict(weights)
    model.mixer.generator.set_state(state)
    plan = model.mixer.sample(8)
    targets = F.one_hot(y, 5).float()
    puzzle_saliency_pass(model, x, targets, plan)
    mixed, mixed_targets = plan.mix(x, targets)
    ratio = mixed_targets[torch.arange(8), y]
    same = y == y[plan.index]  # a pair of one class: ratio reads 1
    ratio = torch.where(same, torch.ones_like(ratio), ratio)
    ref = official_imagenet_puzzle_loss(
        lambda v: model(v), x, y, mixed, ratio, plan.index, clean_lam)
    total = ours['loss'] + ours.get('loss_clean', 0.0)
    assert ('loss_clean' in ours) == (clean_lam > 0)
    torch.testing.assert_close(total, ref, rtol=1e-5, atol=1e-6,
                               msg=lambda m: f"{m} {ours} {ref}")


def test_puzzlemix_clean_loss_forms():
    ce = torch.tensor([0.5, 2.0, 1.5])
    torch.testing.assert_close(Fm.puzzle_clean_loss(ce, 0.7, 1000, 'cifar'),
                               (2 * 0.7 * ce / 1000).mean())
    torch.testing.assert_close(
        Fm.puzzle_clean_loss(ce, 0.7, 1000, 'imagenet'), 0.7 * ce.mean())
    with pytest.raises(ValueError, match='mixer.clean_loss'):
        Fm.puzzle_clean_loss(ce, 1.0, 10, 'bce')
    pytest.importorskip('gco')
    with pytest.raises(ValueError, match='mixer.clean_loss'):
        MODELS.build(dict(type='PuzzleMix', clean_loss='tiny'))
