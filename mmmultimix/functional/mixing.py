"""Interpolation of a batch: MultiMix (eqs. 6–7), mixup of pairs (eqs. 3–5)
and CutMix."""
from typing import Optional, Tuple, Union

import torch
from torch import Tensor

from .checks import _check_targets

__all__ = [
    'multimix', 'pair_mix', 'sample_cutmix_box', 'cutmix_box_pixels',
    'cutmix', 'paste_box'
]


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
    return paste_box(x, targets, cutmix_box_pixels(box, *x.shape[2:]), index)


def paste_box(x: Tensor, targets: Tensor, box: Tuple[int, int, int, int],
              index: Tensor) -> Tuple[Tensor, Tensor]:
    """Rows ``y1:y2``, columns ``x1:x2`` (``box = (y1, y2, x1, x2)``) of
    every image replaced by those of ``x[index]``; targets mixed by the
    true area ratio ``λ = 1 − box_area / (h·w)`` (CutMix, SaliencyMix).
    Returns new tensors (inputs untouched)."""
    if x.dim() != 4:
        raise ValueError(f'paste_box needs (m, C, H, W) inputs, got '
                         f'{tuple(x.shape)}')
    m, _, h, w = x.shape
    _check_targets(targets, m)
    y1, y2, x1, x2 = box
    mask = torch.zeros(1, 1, h, w, dtype=x.dtype, device=x.device)
    mask[..., y1:y2, x1:x2] = 1
    mixed = x * (1 - mask) + x[index] * mask
    lam = 1.0 - (y2 - y1) * (x2 - x1) / float(h * w)
    return mixed, lam * targets + (1 - lam) * targets[index]
