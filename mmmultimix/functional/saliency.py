"""SaliencyMix (Uddin et al., ICLR 2021): a CutMix box centred on the peak of
OpenCV's fine-grained static saliency of one source image. Equal to the
official ``saliency_bbox`` (afm-shahab-uddin/SaliencyMix,
``SaliencyMix_CIFAR/saliencymix.py``) on the official input.

The official input is the training tensor of its own pipeline: torchvision's
``ToTensor`` (``uint8 / 255`` in float32) and ``Normalize`` with CIFAR-10's
statistics (mean 125.3/123.0/113.9, std 63.0/62.1/66.7, over 255) for
CIFAR-10 and CIFAR-100 alike, ``(H, W, C)`` float32. OpenCV's fine-grained
detector reads such a float image through 8-bit accessors, so its peak
depends on the exact float32 values: :func:`official_saliency_input`
rebuilds them bit for bit from the pixels, whatever normalisation our own
training uses. OpenCV's contrib saliency returns the map as float32 in
``[0, 1]`` (``convertTo(CV_32F, 1/255)``; seen on 4.6.0, 4.8.0 and 4.14.0):
the official ``(map * 255).astype('uint8')`` then rounds down. A build that
returned the 8-bit map (the original FGS library) would wrap around under
that line; :func:`saliency_peak` refuses any map that is not float32 in
``[0, 1]`` instead of silently moving the box.
"""
from typing import Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

__all__ = ['saliency_box', 'saliency_peak', 'official_saliency_input',
           'SALIENCYMIX_CIFAR_NORM', 'SALIENCYMIX_IMAGENET_NORM',
           'OPENCV_CONTRIB_HINT']

# the official codes' Normalize statistics, in [0, 1] units as they write
# them: SaliencyMix_CIFAR/saliencymix.py (CIFAR-10 and CIFAR-100) and
# SaliencyMix-ImageNet/train.py
SALIENCYMIX_CIFAR_NORM = dict(
    mean=tuple(x / 255.0 for x in (125.3, 123.0, 113.9)),
    std=tuple(x / 255.0 for x in (63.0, 62.1, 66.7)))
SALIENCYMIX_IMAGENET_NORM = dict(mean=(0.485, 0.456, 0.406),
                                 std=(0.229, 0.224, 0.225))

OPENCV_CONTRIB_HINT = (
    "SaliencyMix needs OpenCV's contrib modules (cv2.saliency): `pip "
    'uninstall -y opencv-python opencv-python-headless && pip install '
    "'opencv-contrib-python-headless<5'` (tools/setup_env.sh does this)")


def _saliency_detector():
    try:
        import cv2
        return cv2.saliency.StaticSaliencyFineGrained_create()
    except (ImportError, AttributeError) as e:
        raise ImportError(OPENCV_CONTRIB_HINT) from e


def official_saliency_input(pixels: Tensor, mean: Sequence[float],
                            std: Sequence[float]) -> Tensor:
    """The official code's saliency input from ``(C, H, W)`` pixels in
    ``0..255``: torchvision's ``ToTensor`` (float32 ``/ 255``) then
    ``Normalize(mean, std)`` (``[0, 1]`` units), the same float32 ops in the
    same order, so the values are the official ones bit for bit."""
    t = pixels.detach().to('cpu', torch.float32).div(255)
    m = torch.as_tensor(mean, dtype=torch.float32)
    s = torch.as_tensor(std, dtype=torch.float32)
    if m.numel() != t.shape[0] or s.numel() != t.shape[0]:
        raise ValueError(f'model.mixer.saliency_norm has {m.numel()} mean / '
                         f'{s.numel()} std values for {t.shape[0]}-channel '
                         'images')
    return t.sub(m.view(-1, 1, 1)).div(s.view(-1, 1, 1))


def saliency_peak(img: Tensor) -> Tuple[int, int]:
    """Row and column of the maximum of the fine-grained saliency map
    (scaled to uint8 as the official code) of ``img`` ``(C, H, W)``, passed
    to OpenCV as the official code does (float32, ``(H, W, C)``)."""
    temp = img.detach().float().cpu().numpy().transpose(1, 2, 0)
    ok, smap = _saliency_detector().computeSaliency(temp)
    if not ok:
        raise RuntimeError('OpenCV could not compute the saliency map')
    if smap.dtype != np.float32 or float(smap.max()) > 1.0 or \
            float(smap.min()) < 0.0:
        import cv2
        raise RuntimeError(
            f'OpenCV {cv2.__version__} returned the fine-grained saliency '
            f'map as {smap.dtype} in [{smap.min()}, {smap.max()}]; '
            "SaliencyMix's official (map * 255).astype('uint8') expects "
            'float32 in [0, 1] (OpenCV contrib 4.x): install '
            "'opencv-contrib-python-headless<5' (tools/setup_env.sh)")
    smap = (smap * 255).astype('uint8')
    r, c = np.unravel_index(np.argmax(smap, axis=None), smap.shape)
    return int(r), int(c)


def saliency_box(img: Tensor, lam: float) -> Tuple[int, int, int, int]:
    """``(r1, c1, r2, c2)``: a box of side ``√(1 − λ)`` of the image,
    centred on the saliency peak of ``img`` ``(C, H, W)`` and clipped to it
    (rows ``r1:r2``, columns ``c1:c2``); the official ``saliency_bbox``."""
    h, w = img.shape[1], img.shape[2]
    cut_rat = np.sqrt(1. - lam)
    cut_h = int(h * cut_rat)
    cut_w = int(w * cut_rat)
    r, c = saliency_peak(img)
    r1 = int(np.clip(r - cut_h // 2, 0, h))
    c1 = int(np.clip(c - cut_w // 2, 0, w))
    r2 = int(np.clip(r + cut_h // 2, 0, h))
    c2 = int(np.clip(c + cut_w // 2, 0, w))
    return r1, c1, r2, c2
