"""Fashion-MNIST from the local files: splits, subsets, errors, and one
config trained on a tiny subset (seconds)."""
import os
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


def test_fashion_mnist_dir_and_the_message_off_debian(tmp_path, monkeypatch):
    """Off Debian: the files are read from FASHION_MNIST_DIR, and without
    them the error names the four files and where they go."""
    from mmmultimix.datasets.fashion_mnist import (_FILES,
                                                   fashion_mnist_roots)
    src = osp.abspath(FashionMNISTSplit.resolve_root(None))
    mine = tmp_path / 'fm'
    mine.mkdir()
    for files in _FILES.values():
        for name in files:
            for f in (name, name + '.gz'):
                if osp.isfile(osp.join(src, f)):
                    os.symlink(osp.join(src, f), mine / f)
    monkeypatch.setenv('FASHION_MNIST_DIR', str(mine))
    assert fashion_mnist_roots()[0] == str(mine)
    assert FashionMNISTSplit.resolve_root(None) == str(mine)
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=r'train-images-idx3-ubyte\.'
                       r'gz, train-labels-idx1-ubyte\.gz, t10k-images.*'
                       r'FASHION_MNIST_DIR'):
        FashionMNISTSplit(data_root=str(empty))


def test_setup_goes_on_without_apt(tmp_path):
    """apt unavailable (it fails) and no Fashion-MNIST anywhere: the set-up
    succeeds (the digits demo needs no Fashion-MNIST) and says which four
    files to put where. Run in a copy of the repository whose python only
    records its calls (tests/setup_copy.py): the repository's own .venv
    stays as it is."""
    from setup_copy import run_setup
    fake = tmp_path / 'bin'
    fake.mkdir()
    (fake / 'apt-get').write_text('#!/bin/sh\nexit 100\n')
    (fake / 'apt-get').chmod(0o755)
    copy = tmp_path / 'repo'
    copy.mkdir()
    proc, calls, _ = run_setup(
        copy, fmnist=False,
        env=dict(PATH=f'{fake}:{os.environ["PATH"]}',
                 MMMULTIMIX_FMNIST_SYSTEM=str(tmp_path / 'none')))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert any(' install ' in c and ' -e ' in c for c in calls)  # went on
    assert not (copy / 'data' / 'fashion-mnist').exists()
    assert 'Fashion-MNIST not installed' in proc.stderr
    assert 'FASHION_MNIST_DIR' in proc.stderr
