"""Fashion-MNIST from the local files: splits, subsets, errors, and one
config trained on a tiny subset (seconds)."""
import os.path as osp

import numpy as np
import pytest

import mmmultimix  # noqa: F401
from mmmultimix.datasets import FashionMNISTSplit

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _indices(ds):
    return {int(d['sample_idx']) for d in ds.load_data_list()}


def test_splits_are_fixed_stratified_and_disjoint():
    val = FashionMNISTSplit(split='val')
    train = FashionMNISTSplit(split='train')
    test = FashionMNISTSplit(split='test')
    assert (len(train), len(val), len(test)) == (55000, 5000, 10000)
    labels = [int(val.get_data_info(i)['gt_label']) for i in range(len(val))]
    assert np.bincount(labels, minlength=10).tolist() == [500] * 10
    assert not _indices(train) & _indices(val)
    assert _indices(FashionMNISTSplit(split='val')) == _indices(val)
    img = test.get_data_info(0)['img']
    assert img.shape == (28, 28) and img.dtype == np.uint8 and img.max() > 0


def test_per_class_subsets_are_seeded_and_nested():
    small = FashionMNISTSplit(split='train', num_per_class=3)
    large = FashionMNISTSplit(split='train', num_per_class=7)
    assert len(small) == 30 and len(large) == 70
    assert _indices(small) < _indices(large)
    other = FashionMNISTSplit(split='train', num_per_class=3, split_seed=1)
    assert _indices(other) != _indices(small)
    val = FashionMNISTSplit(split='val')
    assert not _indices(large) & _indices(val)


@pytest.mark.parametrize('kw,match', [
    (dict(split='dev'), "dataset.split must be 'train', 'val' or 'test'"),
    (dict(val_size=5), r'dataset.val_size must be a multiple of 10'),
    (dict(num_per_class=0), r'dataset.num_per_class must be an integer in '
     r'\[1, 5500\]'),
    (dict(split='val', num_per_class=5), "applies to split='train' only"),
])
def test_bad_arguments_name_the_key(kw, match):
    with pytest.raises(ValueError, match=match):
        FashionMNISTSplit(**kw)


def test_missing_files_name_the_file_and_the_install(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'train-images-idx3-ubyte.*apt-get install -y '
                       r'dataset-fashion-mnist'):
        FashionMNISTSplit(data_root=str(tmp_path))


def test_r18_multimix_config_trains_on_a_tiny_subset(tmp_path):
    from mmengine.config import Config

    from mmmultimix.engine import build_runner
    from runlog import scalars
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'multimix',
                                   'r18_fashionmnist_dense_distil.py'))
    cfg.work_dir = str(tmp_path)
    cfg.model.backbone.base_channels = 8
    cfg.model.head.in_channels = 64
    cfg.model.mixer.n = 50
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 1
    for key, extra in (('train_dataloader', dict(num_per_class=2)),
                       ('val_dataloader', dict(indices=40)),
                       ('test_dataloader', dict(indices=40))):
        loader = cfg[key]
        loader.update(num_workers=0, persistent_workers=False, batch_size=10)
        loader.dataset.update(extra)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    runner = build_runner(cfg)
    runner.train()
    rows = scalars(str(tmp_path))
    losses = [r['loss_cls'] + r['loss_distill'] for r in rows
              if 'loss_cls' in r]
    assert len(losses) == 2 and all(np.isfinite(losses))
    accs = [r for r in rows if 'accuracy/top1' in r]
    assert accs and 0.0 <= accs[-1]['accuracy/top1'] <= 100.0
    assert 'teacher/accuracy/top1' in accs[-1]
