"""Config edits behind tools/test.py's evaluation flags."""
import copy
from typing import Optional, Sequence

__all__ = ['use_attacks', 'add_metrics', 'use_ood']


def use_attacks(cfg, attacks: Optional[Sequence[dict]] = None) -> None:
    """Evaluate under FGSM / PGD (``AdversarialTestLoop``)."""
    test_cfg = dict(type='AdversarialTestLoop')
    if attacks is not None:
        test_cfg['attacks'] = list(attacks)
    cfg.test_cfg = test_cfg


def add_metrics(cfg, names: Sequence[str]) -> None:
    """Appends metrics (e.g. ``AlignmentUniformity``,
    ``ExpectedCalibrationError``) to ``test_evaluator``."""
    ev = cfg.test_evaluator
    ev = list(ev) if isinstance(ev, (list, tuple)) else [ev]
    ev += [dict(type=n) for n in names]
    cfg.test_evaluator = ev


def use_ood(cfg, folders: Sequence[str], score: str = 'msp',
            size: Optional[int] = None) -> None:
    """Test set = ID test set + OOD image folders; metric = ``OODMetric``.
    OOD images are loaded with the ID colour mode and, with ``size``,
    resized to ``size × size``."""
    if not folders:
        raise ValueError('--ood needs at least one image folder')
    ds = copy.deepcopy(cfg.test_dataloader.dataset)
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
             size=(size, size) if size else None))
    cfg.test_dataloader.dataset = dict(
        type='OODDataset',
        id_dataset=ds,
        ood_datasets=[
            dict(type='CustomDataset', data_root=f, with_label=False)
            for f in folders
        ],
        pipeline=pipeline)
    cfg.test_evaluator = dict(type='OODMetric', score=score)
