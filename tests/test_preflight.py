"""The data a config reads is checked before the model is built: complete
fixtures in each real format pass, each missing piece gets its own message
naming the path, the layout and the page; tools/train.py stops with that
message and no traceback."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from mmengine.config import Config

import mmmultimix  # noqa: F401
from mmmultimix.datasets.preflight import (PAGE, DataMissing, check_data,
                                           missing_paths)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _cfg(path, **loaders):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', path))
    for key, root in loaders.items():
        _set_root(cfg[key].dataset, root)
    return cfg


def _set_root(ds, root):
    if 'datasets' in ds:
        for d in ds.datasets:
            _set_root(d, root)
    elif 'dataset' in ds:
        _set_root(ds.dataset, root)
    else:
        ds.data_root = root


@pytest.mark.parametrize('name,config,piece', [
    ('OfflineCIFAR10', 'multimix/r18_cifar10_multimix.py',
     'cifar-10-batches-py/data_batch_3'),
    ('OfflineCIFAR100', 'multimix/r18_cifar100_multimix.py',
     'cifar-100-python/meta'),
    ('TinyImageNet', 'multimix/r18_tinyimagenet_multimix.py',
     'val/val_annotations.txt'),
    ('ImageNet', 'multimix/r50_imagenet_multimix.py', 'val'),
])
def test_classification_fixtures(fake_roots, tmp_path, name, config, piece):
    root = str(tmp_path / name)
    shutil.copytree(fake_roots[name], root)
    loaders = dict(train_dataloader=root, val_dataloader=root,
                   test_dataloader=root)
    check_data(_cfg(config, **loaders))  # complete: passes
    path = osp.join(root, piece)
    shutil.rmtree(path) if osp.isdir(path) else os.remove(path)
    with pytest.raises(DataMissing) as err:
        check_data(_cfg(config, **loaders))
    msg = str(err.value)
    assert path in msg and PAGE in msg and f'({name})' in msg


@pytest.mark.parametrize('config,maker,piece', [
    ('detection/ssd300_r50_voc0712.py', 'make_voc',
     'VOC2012/ImageSets/Main/trainval.txt'),
    ('detection/faster-rcnn_r50_fpn_1x_coco.py', 'make_coco',
     'annotations/instances_val2017.json'),
])
def test_detection_fixtures(tmp_path, config, maker, piece):
    import fake_data
    root = getattr(fake_data, maker)(str(tmp_path / 'data')) + '/'
    loaders = dict(train_dataloader=root, val_dataloader=root,
                   test_dataloader=root)
    check_data(_cfg(config, **loaders))
    os.remove(osp.join(root, piece))
    with pytest.raises(DataMissing, match=piece.replace('/', '.')):
        check_data(_cfg(config, **loaders))


def test_wrappers_and_fashion_mnist(tmp_path, monkeypatch):
    assert missing_paths(dict(type='FashionMNISTSplit', data_root=None)) == []
    monkeypatch.setenv('FASHION_MNIST_DIR', str(tmp_path))
    ds = dict(type='RepeatDataset', times=2, dataset=dict(
        type='ConcatDataset', datasets=[
            dict(type='FashionMNISTSplit', data_root=str(tmp_path)),
            dict(type='ImageNet', data_root=str(tmp_path), split='train')]))
    assert missing_paths(ds) == [str(tmp_path / 'train-images-idx3-ubyte.gz'),
                                 str(tmp_path / 'train')]


@pytest.mark.parametrize('config,key', [
    ('multimix/r18_cifar100_multimix.py', 'cifar-100-python'),
    ('multimix/r18_tinyimagenet_multimix.py', 'tiny-imagenet-200.zip'),
    ('multimix/r50_imagenet_multimix.py', 'meta/train.txt'),
    ('detection/ssd300_r50_voc0712.py', 'VOCdevkit'),
])
def test_train_py_stops_before_the_model_without_a_traceback(
        config, key, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    opts = ('train_dataloader.dataset.data_root=/nonexistent' if 'ssd' not in
            config else 'train_dataloader.dataset.dataset.datasets.0.'
            'data_root=/nonexistent')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', osp.join('configs', config),
         '--work-dir', str(tmp_path), '--cfg-options', opts], cwd=ROOT,
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stderr, proc.stderr[-2000:]
    assert '/nonexistent' in proc.stderr and key in proc.stderr
    assert PAGE in proc.stderr
