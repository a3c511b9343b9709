"""The CIFAR augmentation (random crop with padding, horizontal flip) of a
whole batch at once, for small in-memory datasets.

mmpretrain's per-sample pipeline (``RandomCrop`` -> ``RandomFlip`` ->
``PackInputs``, optionally inside ``MultiView``) costs about 0.1 ms per
image in Python dicts, copies and ``DataSample`` objects: on the CPU-sized
Fashion-MNIST family that is ~10 % of a training step.
:func:`crop_flip_collate` does the same work as one collate function: the
dataset's pipeline is empty (samples are the raw ``img`` / ``gt_label``
dicts), and the collate draws
every random number from NumPy's global generator exactly as the per-sample
transforms do, in the same order (per sample, per view: the crop's row and
column offsets with ``np.random.randint``, then the flip's uniform draw of
``np.random.choice``), so that a batch is bit-identical to the one the
per-sample pipeline + ``pseudo_collate`` gives for the same seed
(``tests/test_batched_views.py`` checks it). Use it in a config as::

    train_dataloader = dict(
        collate_fn=dict(type='crop_flip_collate', crop_size=28, padding=4),
        dataset=dict(pipeline=[]))

``num_views=2`` replaces ``MultiView(num_views=2, transforms=[view])``
(self-distillation: view 0 for the student, view 1 for the teacher).
"""
from typing import List, Sequence, Union

import numpy as np
import torch
from mmengine.registry import FUNCTIONS
from mmpretrain.structures import DataSample

__all__ = ['crop_flip_collate', 'draw_crop_flip', 'per_sample_pipeline']

_KEY = 'train_dataloader.collate_fn'


def _pair(value, name) -> tuple:
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, Sequence) and len(value) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    raise ValueError(f'{_KEY}.{name} must be an int or a pair of ints (h, w), '
                     f'got {value!r}')


def draw_crop_flip(num: int, padded_hw: tuple, crop_hw: tuple,
                   flip_prob: float, num_views: int = 1) -> tuple:
    """Per-sample, per-view crop offsets ``(num, V, 2)`` and flips
    ``(num, V)`` drawn from NumPy's global generator in the order of
    mmpretrain's ``RandomCrop.rand_crop_params`` (no draw when the padded
    image already has the crop's size) and mmcv's
    ``RandomFlip._choose_direction`` (one uniform of ``np.random.choice``
    over ``['horizontal', None]`` with ``p = [prob, 1 - prob]``)."""
    h, w = padded_hw
    th, tw = crop_hw
    cdf = np.cumsum([flip_prob, 1.0 - flip_prob])
    cdf /= cdf[-1]  # as np.random.choice normalises p
    offsets = np.zeros((num, num_views, 2), np.int64)
    flips = np.zeros((num, num_views), bool)
    draw = not (h == th and w == tw)
    randint, uniform = np.random.randint, np.random.random_sample
    for i in range(num):
        for v in range(num_views):
            if draw:
                offsets[i, v, 0] = randint(0, h - th + 1)
                offsets[i, v, 1] = randint(0, w - tw + 1)
            flips[i, v] = uniform() < cdf[0]
    return offsets, flips


@FUNCTIONS.register_module()
def crop_flip_collate(data_batch: List[dict],
                      crop_size: Union[int, Sequence[int]],
                      padding: Union[int, Sequence[int]] = 0,
                      flip_prob: float = 0.5,
                      num_views: int = 1) -> dict:
    """``pseudo_collate`` of raw samples (dicts with an ``img`` array of
    shape ``(H, W)`` or ``(H, W, C)`` and an integer ``gt_label``) after
    ``RandomCrop(crop_size, padding)`` (zero padding on every side) and
    ``RandomFlip(flip_prob, 'horizontal')`` of each sample, ``num_views``
    times per sample (``MultiView``).

    Returns ``dict(inputs, data_samples)``: ``inputs`` a ``uint8`` tensor
    ``(m, C, h, w)`` (a list of ``V`` of them when ``num_views > 1``), the
    layout ``ClsDataPreprocessor`` / ``MultiViewClsDataPreprocessor``
    normalise exactly as they do the per-sample pipeline's lists;
    ``data_samples`` one ``DataSample`` with ``gt_label`` per sample.
    """
    th, tw = _pair(crop_size, 'crop_size')
    ph, pw = _pair(padding, 'padding')
    if th < 1 or tw < 1 or ph < 0 or pw < 0:
        raise ValueError(f'{_KEY}: crop_size must be >= 1 and padding >= 0, '
                         f'got crop_size={crop_size!r}, padding={padding!r}')
    if isinstance(flip_prob, bool) or not isinstance(
            flip_prob, (int, float)) or not 0.0 <= flip_prob <= 1.0:
        raise ValueError(f'{_KEY}.flip_prob must be in [0, 1], got '
                         f'{flip_prob!r}')
    if isinstance(num_views, bool) or not isinstance(num_views, int) or \
            num_views < 1:
        raise ValueError(f'{_KEY}.num_views must be an integer >= 1, got '
                         f'{num_views!r}')
    if not data_batch or any('img' not in s or 'gt_label' not in s
                             for s in data_batch):
        raise ValueError(
            f'{_KEY}: crop_flip_collate takes raw samples (dicts with img and '
            'gt_label): set the dataset pipeline to [] (it does the '
            'cropping, flipping and packing itself)')
    imgs = np.stack([np.asarray(s['img']) for s in data_batch])
    if imgs.ndim not in (3, 4):
        raise ValueError(f'{_KEY}: images must be (H, W) or (H, W, C), got '
                         f'{imgs.shape[1:]}')
    m, h, w = imgs.shape[:3]
    if th > h + 2 * ph or tw > w + 2 * pw:
        raise ValueError(
            f'{_KEY}.crop_size {(th, tw)} exceeds the padded image '
            f'{(h + 2 * ph, w + 2 * pw)} (use a smaller crop_size or a larger '
            'padding)')
    pad = [(0, 0), (ph, ph), (pw, pw)] + [(0, 0)] * (imgs.ndim - 3)
    padded = np.pad(imgs, pad) if ph or pw else imgs
    offsets, flips = draw_crop_flip(m, (h + 2 * ph, w + 2 * pw), (th, tw),
                                    flip_prob, num_views)
    rows_of = np.arange(th)
    cols_of = np.arange(tw)
    batch = np.arange(m)[:, None, None]
    views = []
    for v in range(num_views):
        rows = (offsets[:, v, 0, None] + rows_of)[:, :, None]
        cols = offsets[:, v, 1, None] + cols_of
        cols = np.where(flips[:, v, None], cols[:, ::-1], cols)[:, None, :]
        out = padded[batch, rows, cols]  # (m, th, tw[, C])
        out = out[:, None] if out.ndim == 3 else out.transpose(0, 3, 1, 2)
        views.append(torch.from_numpy(np.ascontiguousarray(out)))
    samples = [DataSample().set_gt_label(s['gt_label']) for s in data_batch]
    return dict(inputs=views[0] if num_views == 1 else views,
                data_samples=samples)


def per_sample_pipeline(collate_cfg: dict) -> list:
    """The per-sample pipeline a ``crop_flip_collate`` config stands for
    (``RandomCrop``, ``RandomFlip``, in ``MultiView`` when ``num_views > 1``,
    then ``PackInputs``): with ``collate_fn=dict(type='pseudo_collate')``
    it gives the same batches, one sample at a time."""
    if collate_cfg.get('type') != 'crop_flip_collate':
        raise ValueError(f'{_KEY}: not a crop_flip_collate config: '
                         f'{collate_cfg!r}')
    view = [dict(type='RandomCrop', crop_size=collate_cfg['crop_size'],
                 padding=collate_cfg.get('padding', 0)),
            dict(type='RandomFlip', prob=collate_cfg.get('flip_prob', 0.5),
                 direction='horizontal')]
    views = collate_cfg.get('num_views', 1)
    head = view if views == 1 else [
        dict(type='MultiView', num_views=views, transforms=[view])]
    return head + [dict(type='PackInputs')]
