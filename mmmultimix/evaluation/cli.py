"""Config edits behind tools/test.py's evaluation flags."""
import copy
from typing import Optional, Sequence, Tuple

__all__ = ['use_attacks', 'add_metrics', 'use_ood', 'test_image_size']


def use_attacks(cfg, attacks: Optional[Sequence[dict]] = None,
                samples: Optional[int] = None) -> None:
    """Evaluate under FGSM / PGD (``AdversarialTestLoop``; ``attacks``:
    its default pair when None), on the first ``samples`` test images
    (None: all)."""
    test_cfg = dict(type='AdversarialTestLoop')
    if attacks is not None:
        test_cfg['attacks'] = list(attacks)
    if samples is not None:
        test_cfg['attack_samples'] = samples
    cfg.test_cfg = test_cfg


def add_metrics(cfg, names: Sequence[str]) -> None:
    """Appends metrics (e.g. ``AlignmentUniformity``,
    ``ExpectedCalibrationError``) to ``test_evaluator``."""
    ev = cfg.test_evaluator
    ev = list(ev) if isinstance(ev, (list, tuple)) else [ev]
    ev += [dict(type=n) for n in names]
    cfg.test_evaluator = ev


def test_image_size(dataset_cfg) -> Tuple[int, int]:
    """``(h, w)`` of the images the test pipeline yields (its first
    sample)."""
    from mmpretrain.registry import DATASETS
    ds = DATASETS.build(copy.deepcopy(dataset_cfg))
    if len(ds) == 0:
        raise ValueError('test_dataloader.dataset is empty: no in-'
                         'distribution images to compare with --ood')
    return tuple(int(v) for v in ds[0]['inputs'].shape[-2:])


def use_ood(cfg, folders: Sequence[str], score: str = 'msp',
            size: Optional[int] = None) -> None:
    """Test set = ID test set + OOD image folders; metric = ``OODMetric``.
    OOD images are loaded with the ID colour mode and resized to the test
    pipeline's image size (``size``, if given, must equal it: images of two
    sizes in one batch would be zero-padded and their scores shifted)."""
    if not folders:
        raise ValueError('--ood needs at least one image folder')
    ds = copy.deepcopy(cfg.test_dataloader.dataset)
    h, w = test_image_size(ds)
    if size is not None and (size, size) != (h, w):
        raise ValueError(f'--ood-size {size} differs from the test images '
                         f'({h}x{w}, from test_dataloader.dataset.pipeline): '
                         f'OOD images must have the test size; use '
                         f'--ood-size {h} or leave it out')
    if h != w:
        raise ValueError(f'--ood needs square test images, the test pipeline '
                         f'yields {h}x{w}')
    size = h
    pipeline = list(ds.pop('pipeline'))
    in_ch = cfg.model.backbone.get('in_channels', 3)
    color = 'grayscale' if in_ch == 1 else 'color'
    pipeline = [t for t in pipeline if t['type'] != 'LoadImageFromFile']
    packs = [t for t in pipeline if t['type'] == 'PackInputs']
    for t in packs:
        keys = tuple(t.get('meta_keys', ('sample_idx', 'img_path',
                                         'ori_shape', 'img_shape',
                                         'scale_factor', 'flip',
                                         'flip_direction')))
        t['meta_keys'] = keys + ('is_ood', )
    pipeline.insert(
        0,
        dict(type='LoadImageIfPath', color_type=color,
             size=(size, size)))
    cfg.test_dataloader.dataset = dict(
        type='OODDataset',
        id_dataset=ds,
        ood_datasets=[
            dict(type='CustomDataset', data_root=f, with_label=False)
            for f in folders
        ],
        pipeline=pipeline)
    cfg.test_evaluator = dict(type='OODMetric', score=score)
