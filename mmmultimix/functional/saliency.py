"""SaliencyMix (Uddin et al., ICLR 2021): a CutMix box centred on the peak of
OpenCV's fine-grained static saliency of one source image. Equal to the
official ``saliency_bbox`` (afm-shahab-uddin/SaliencyMix,
``SaliencyMix_CIFAR/saliencymix.py``)."""
from typing import Tuple

import numpy as np
from torch import Tensor

__all__ = ['saliency_box', 'saliency_peak', 'OPENCV_CONTRIB_HINT']

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


def saliency_peak(img: Tensor) -> Tuple[int, int]:
    """Row and column of the maximum of the fine-grained saliency map
    (scaled to uint8 as the official code) of ``img`` ``(C, H, W)``."""
    temp = img.detach().float().cpu().numpy().transpose(1, 2, 0)
    ok, smap = _saliency_detector().computeSaliency(temp)
    if not ok:
        raise RuntimeError('OpenCV could not compute the saliency map')
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
