"""PuzzleMix (Kim et al., ICML 2020): a saliency- and smoothness-aware
3-label mask solved per example by graph cuts (α-β swap), and optimal
transport of blocks towards salient regions. Equal to the official
``mixup_graph`` / ``graphcut_multi`` / ``mask_transport`` /
``transport_image`` (snu-mllab/PuzzleMix, ``mixup.py``) on the same inputs;
any channel count, any device, no ``.cuda()``.

Images here are the *normalised* network inputs ``x``; the pairwise term
is computed on ``x01 = (x · std + mean) / 255`` (the official code's
``input · std + mean`` on torchvision's [0, 1] scale; mmpretrain normalises
0–255 pixels). ``saliency`` is ``√(mean_c (∂loss/∂x)²)`` ``(B, H, W)``
(:func:`puzzle_saliency`).
"""
from typing import Callable, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'puzzle_saliency', 'puzzle_graph_terms', 'graphcut_mask',
    'transport_cost', 'mask_transport', 'transport_blocks', 'PuzzleSolution',
    'PuzzleParams', 'puzzle_solve', 'puzzle_apply', 'GCO_HINT', 'import_gco',
    'puzzle_clean_loss', 'CLEAN_LOSS_FORMS'
]

# the two official forms of PuzzleMix's clean (saliency-pass) loss
CLEAN_LOSS_FORMS = ('cifar', 'imagenet')

GCO_HINT = ('PuzzleMix needs the graph-cut package gco from PyPI: '
            '`pip install gco-wrapper` (tools/setup_env.sh installs it)')


def import_gco():
    """The ``gco`` module, or an ImportError that says how to install it."""
    try:
        import gco
    except ImportError as e:  # pragma: no cover - depends on the venv
        raise ImportError(GCO_HINT) from e
    return gco


def puzzle_saliency(grad: Tensor) -> Tensor:
    """``√(mean over channels of grad²)``: ``(B, C, H, W)`` → ``(B, H, W)``."""
    return torch.sqrt(torch.mean(grad**2, dim=1))


def puzzle_clean_loss(ce: Tensor, clean_lam: float, num_classes: int,
                      form: str = 'cifar') -> Tensor:
    """PuzzleMix's clean loss from the per-example cross-entropies ``ce``
    of the saliency pass, as each official code trains it:

    * ``'cifar'`` (``main.py``, CIFAR and TinyImageNet, trained beside
      ``SoftmaxBCELoss``): ``mean(2·clean_lam·CE / C)``, the class-averaged
      BCE's scale;
    * ``'imagenet'`` (``imagenet/train.py``, trained beside the mixed
      pair's CE): ``clean_lam · mean(CE)`` (``imagenet_fast/main_fast.py``
      backpropagates ``mean(CE)``, i.e. ``clean_lam = 1``).
    """
    if form == 'cifar':
        return (2 * clean_lam * ce / num_classes).mean()
    if form == 'imagenet':
        return clean_lam * ce.mean()
    raise ValueError(f'mixer.clean_loss must be one of {CLEAN_LOSS_FORMS}, '
                     f'got {form!r}')


def _normalise_pool(saliency: Tensor, size: int) -> Tensor:
    pool = F.avg_pool2d(saliency, size)
    b = saliency.shape[0]
    return pool / pool.reshape(b, -1).sum(1).reshape(b, 1, 1)


def _neigh_penalty(input1: Tensor, input2: Tensor, k: int):
    pw_x = input1[:, :, :-1, :] - input2[:, :, 1:, :]
    pw_y = input1[:, :, :, :-1] - input2[:, :, :, 1:]
    pw_x = pw_x[:, :, k - 1::k, :]
    pw_y = pw_y[:, :, :, k - 1::k]
    pw_x = F.avg_pool2d(pw_x.abs().mean(1), kernel_size=(1, k))
    pw_y = F.avg_pool2d(pw_y.abs().mean(1), kernel_size=(k, 1))
    return pw_x, pw_y


def puzzle_graph_terms(saliency: Tensor, x01: Tensor, index: Tensor,
                       block_num: int, beta: float, gamma: float,
                       neigh_size: int):
    """Unary and pairwise terms of the labelling graph (the official
    ``mixup_graph`` before the cuts): ``unary1, unary2 (B, bn, bn)``,
    ``pw_x (B, bn−1, bn)``, ``pw_y (B, bn, bn−1)`` as float32 numpy arrays,
    the normalised ``beta / bn / 16`` passed on to the cuts, and the pooled
    saliency ``(B, bn, bn)`` (a tensor; the transport's unary at the block
    size)."""
    b, _, _, width = x01.shape
    block_size = width // block_num
    neigh_size = min(neigh_size, block_size)
    beta = beta / block_num / 16
    unary1_t = _normalise_pool(saliency, block_size)
    unary2_t = unary1_t[index]
    input1_pool = F.avg_pool2d(x01, neigh_size)
    input2_pool = input1_pool[index]
    dev = x01.device
    pw_x = torch.zeros([b, 2, 2, block_num - 1, block_num], device=dev)
    pw_y = torch.zeros([b, 2, 2, block_num, block_num - 1], device=dev)
    k = block_size // neigh_size
    pw_x[:, 0, 0], pw_y[:, 0, 0] = _neigh_penalty(input2_pool, input2_pool, k)
    pw_x[:, 0, 1], pw_y[:, 0, 1] = _neigh_penalty(input2_pool, input1_pool, k)
    pw_x[:, 1, 0], pw_y[:, 1, 0] = _neigh_penalty(input1_pool, input2_pool, k)
    pw_x[:, 1, 1], pw_y[:, 1, 1] = _neigh_penalty(input1_pool, input1_pool, k)
    pw_x = beta * gamma * pw_x
    pw_y = beta * gamma * pw_y
    unary1 = unary1_t.clone()
    unary2 = unary2_t.clone()
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

    def np32(t):
        return t.detach().float().cpu().numpy()

    return np32(unary1), np32(unary2), np32(pw_x), np32(pw_y), beta, unary1_t


def graphcut_mask(unary1: np.ndarray, unary2: np.ndarray, pw_x: np.ndarray,
                  pw_y: np.ndarray, lam: float, beta: float, eta: float,
                  n_labels: int = 3, eps: float = 1e-8) -> np.ndarray:
    """One example's mask ``(bn, bn)`` in ``{0, 1/(L−1), …, 1}`` (1 keeps
    the example, 0 takes its partner): α-β swap on the grid with the
    official unary (``(1−l)·unary1 + l·unary2 + prior_l`` for the label
    values ``l = linspace(0, 1, L)``), pairwise ``(i−j)²/(L−1)²`` and prior
    ``η · (−log P(l | λ)) / bn²`` (binomial in λ) terms, integers scaled by
    ``1000 · bn²``. ``unary1`` is the *partner's* unary (the official
    argument order)."""
    gco = import_gco()
    block_num = unary1.shape[0]
    large_val = 1000 * block_num**2
    if n_labels == 2:
        prior = np.array([-np.log(lam + eps), -np.log(1 - lam + eps)])
    elif n_labels == 3:
        prior = np.array([
            -np.log(lam**2 + eps), -np.log(2 * lam * (1 - lam) + eps),
            -np.log((1 - lam)**2 + eps)
        ])
    elif n_labels == 4:
        prior = np.array([
            -np.log(lam**3 + eps), -np.log(3 * lam**2 * (1 - lam) + eps),
            -np.log(3 * lam * (1 - lam)**2 + eps), -np.log((1 - lam)**3 + eps)
        ])
    else:
        raise ValueError(f'n_labels must be 2, 3 or 4, got {n_labels!r}')
    prior = eta * prior / block_num**2
    unary_cost = (large_val * np.stack(
        [(1 - lv) * unary1 + lv * unary2 + prior[i]
         for i, lv in enumerate(np.linspace(0, 1, n_labels))],
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


def _graphcut_star(args):
    return graphcut_mask(*args)


def transport_cost(width: int, device=None) -> Tensor:
    """``(w², w²)`` squared grid distances between blocks over
    ``(w − 1)²``."""
    idx = torch.arange(width * width, device=device)
    i, j = idx // width, idx % width
    c = (i[:, None] - i[None, :])**2 + (j[:, None] - j[None, :])**2
    return c.float() / (width - 1)**2


def mask_transport(mask: Tensor, grad_pool: Tensor,
                   eps: float = 0.8) -> Tensor:
    """The official greedy transport of blocks: ``(B, bn², bn²)`` 0/1 plan
    moving salient blocks of an example into the region its mask keeps.

    The official loop, kept in index form: in each of its ``bn`` rounds
    every row (destination) picks its cheapest column (``row_best``); each
    column's fight (``(plan · cost).min(-2)``, first index on ties, as
    ``torch.min`` documents) is won by its cheapest row when that cost is
    below the 0 of the rows that did not pick it (or equal to it and first);
    each losing pick costs 1 more. The same plans, bit for bit, with one
    dense ``(B, bn², bn²)`` pass a round (the row minima) where the official
    loop makes five."""
    block_num = mask.shape[-1]
    n = block_num**2
    c = transport_cost(block_num, mask.device)[None]
    z = (mask > 0).float()
    cost = eps * c - grad_pool.reshape(-1, n, 1) * z.reshape(-1, 1, n)
    b, dev = cost.shape[0], cost.device
    rows = torch.arange(n, device=dev).expand(b, n)
    none = torch.full((b, n), n, device=dev, dtype=torch.long)
    best = win = None
    for _ in range(int(block_num)):
        val, best = cost.min(-1)  # row_best and its cost
        count = torch.zeros_like(best).scatter_add_(-1, best,
                                                    torch.ones_like(best))
        lowest = torch.full_like(val, float('inf')).scatter_reduce(
            -1, best, val, 'amin')
        # the column's minimum of plan * cost: rows that did not pick it
        # count as 0 (there are some unless every row picked it)
        target = torch.where(count < n, lowest.clamp(max=0.0), lowest)
        first = none.scatter_reduce(
            -1, best, torch.where(val == target.gather(-1, best), rows,
                                  none), 'amin')
        # the first row that did not pick a column: row 0, or, in row 0's
        # column, the first row that picked another one
        other = best != best[:, :1]
        first_other = torch.where(other.any(-1), other.long().argmax(-1),
                                  none[:, 0])
        unpicked = torch.zeros_like(best).scatter_(-1, best[:, :1],
                                                   first_other[:, None])
        col_best = torch.where((target == 0) & (count < n),
                               torch.minimum(first, unpicked), first)
        win = col_best.gather(-1, best) == rows
        cost.scatter_add_(-1, best[..., None],
                          (~win).to(cost.dtype)[..., None])
    return torch.zeros_like(cost).scatter_(-1, best[..., None],
                                           win.to(cost.dtype)[..., None])


def transport_blocks(img: Tensor, plan: Tensor, block_num: int,
                     block_size: int) -> Tensor:
    """Moves the ``block_size`` blocks of ``img`` ``(B, C, H, W)`` as
    ``plan`` ``(B, bn², bn²)`` says (the official ``transport_image`` for
    any channel count)."""
    b, c = img.shape[:2]
    bn, bs = block_num, block_size
    patch = img.reshape([b, c, bn, bs, bn * bs]).transpose(-2, -1)
    patch = patch.reshape([b, c, bn, bn, bs, bs]).transpose(-2, -1)
    patch = patch.reshape([b, c, bn**2, bs, bs]).permute(0, 1, 3, 4,
                                                         2).unsqueeze(-1)
    out = plan.transpose(-2, -1).to(img.dtype)[:, None, None, None].matmul(
        patch).squeeze(-1).permute(0, 1, 4, 2, 3)
    out = out.reshape([b, c, bn, bn, bs, bs])
    out = out.transpose(-2, -1).reshape([b, c, bn, bn * bs, bs])
    return out.transpose(-2, -1).reshape([b, c, bn * bs, bn * bs])


class PuzzleSolution(NamedTuple):
    """What :func:`puzzle_solve` decided for a batch, applicable to any
    batch of the same size (the teacher's view): the mask at the transport
    resolution ``(B, 1, tb, tb)``, the transport plans of the example and of
    its partner (None without transport) and the block geometry."""
    mask: Tensor
    plan1: Optional[Tensor]
    plan2: Optional[Tensor]
    t_block_num: int
    t_size: int


class PuzzleParams(NamedTuple):
    """PuzzleMix's graph-cut and transport hyper-parameters, as the
    official ``mixup_graph`` takes them: label smoothness ``beta``, data
    local smoothness ``gamma``, prior ``eta``, smoothness neighbourhood
    ``neigh_size``, mask values ``n_labels``, whether to ``transport``
    blocks, transport cost coefficient ``t_eps`` and tile ``t_size``
    (pixels; -1: the block size). Defaults: the official CIFAR ones."""
    beta: float = 1.2
    gamma: float = 0.5
    eta: float = 0.2
    neigh_size: int = 4
    n_labels: int = 3
    transport: bool = True
    t_eps: float = 0.8
    t_size: int = 4


def check_puzzle_geometry(width: int, block_num: int, neigh_size: int,
                          t_size: int, key: str = 'model.mixer') -> None:
    """Raises when a block count does not tile the image the way the
    official code needs (blocks, neighbourhoods and transport tiles)."""
    if width % block_num:
        raise ValueError(f'{key}.block_nums: {block_num} blocks do not tile '
                         f'an image {width} pixels wide')
    block_size = width // block_num
    neigh = min(neigh_size, block_size)
    if block_size % neigh:
        raise ValueError(f'{key}.neigh_size: {neigh} does not divide the '
                         f'{block_size}-pixel blocks of {block_num} blocks '
                         f'on a {width}-pixel image')
    t = min(t_size, block_size)
    if t != -1 and t < block_size and (block_size % t or width % t):
        raise ValueError(f'{key}.t_size: {t} does not divide the '
                         f'{block_size}-pixel blocks of {block_num} blocks '
                         f'on a {width}-pixel image')


def puzzle_solve(x: Tensor,
                 saliency: Tensor,
                 index: Tensor,
                 lam: float,
                 block_num: int,
                 mean: Tensor,
                 std: Tensor,
                 params: PuzzleParams = PuzzleParams(),
                 map_fn: Callable = map) -> PuzzleSolution:
    """Masks (graph cuts, one per example through ``map_fn``: a worker
    pool's ``map`` keeps them off the main process) and transport plans of
    a batch (the official ``mixup_graph`` up to the final mixing).

    Args:
        x (Tensor): ``(B, C, W, W)`` normalised inputs.
        saliency (Tensor): ``(B, W, W)`` (:func:`puzzle_saliency`).
        index (Tensor): ``(B,)`` permutation (partners).
        lam (float): ``λ``, the prior's mixing ratio.
        block_num (int): blocks per side of the labelling grid.
        mean, std: the data preprocessor's (0–255 scale), broadcastable to
            ``x``.
        params (PuzzleParams): the official hyper-parameters.
    """
    beta, gamma, eta, neigh_size, n_labels, transport, t_eps, t_size = \
        params
    b, _, h, width = x.shape
    if h != width:
        raise ValueError(f'PuzzleMix needs square images, got {h}x{width}')
    check_puzzle_geometry(width, block_num, neigh_size, t_size)
    block_size = width // block_num
    t_size = min(t_size, block_size)
    saliency = saliency.float()
    x01 = (x.float() * std + mean) / 255.0
    unary1, unary2, pw_x, pw_y, beta_n, unary1_t = puzzle_graph_terms(
        saliency, x01, index, block_num, beta, gamma, neigh_size)
    args = [(unary2[i], unary1[i], pw_x[i], pw_y[i], float(lam), beta_n, eta,
             n_labels) for i in range(b)]
    masks = list(map_fn(_graphcut_star, args))
    mask = torch.tensor(np.stack(masks), dtype=torch.float32,
                        device=x.device).unsqueeze(1)
    if not transport:
        return PuzzleSolution(mask, None, None, block_num, block_size)
    if t_size == -1:
        t_block_num, t_size = block_num, block_size
    elif t_size < block_size:
        t_block_num = width // t_size
        mask = F.interpolate(mask, size=t_block_num)
        unary1_t = _normalise_pool(saliency, t_size)
    else:
        t_block_num = block_num
    plan1 = mask_transport(mask, unary1_t, eps=t_eps)
    plan2 = mask_transport(1 - mask, unary1_t[index], eps=t_eps)
    return PuzzleSolution(mask, plan1, plan2, t_block_num, t_size)


def puzzle_apply(x: Tensor,
                 index: Tensor,
                 solution: PuzzleSolution,
                 noise: Optional[Tensor] = None,
                 adv: Sequence[bool] = (False, False),
                 mean: Optional[Tensor] = None,
                 std: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
    """Mixed inputs ``(B, C, W, W)`` and each example's ratio ``(B,)`` (the
    mask's mean: its target is ``ratio·y + (1 − ratio)·y[index]``).
    ``noise`` ([0, 1] scale) is added to the example (``adv[0]``) and / or
    to its partner (``adv[1]``) first: PuzzleMix's adversarial variant."""
    x1, x2 = x, x[index]
    if noise is not None:
        def perturb(img, nz):
            img01 = (img * std + mean) / 255.0 + nz
            return (torch.clamp(img01, 0, 1) * 255.0 - mean) / std
        if adv[0]:
            x1 = perturb(x1, noise)
        if adv[1]:
            x2 = perturb(x2, noise[index])
    mask = solution.mask.to(x.dtype)
    if solution.plan1 is not None:
        x1 = transport_blocks(x1, solution.plan1, solution.t_block_num,
                              solution.t_size)
        x2 = transport_blocks(x2, solution.plan2, solution.t_block_num,
                              solution.t_size)
    mask = F.interpolate(mask, size=x.shape[-1])
    ratio = mask.reshape(x.shape[0], -1).mean(-1)
    return mask * x1 + (1 - mask) * x2, ratio
