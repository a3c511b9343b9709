"""The data a config reads, checked before the model is built: every path
its dataloaders name must exist, or one message says which is missing, the
layout expected there and the page that says where each data set goes
(``tools/train.py``, ``tools/test.py`` and ``tools/check_data.py``)."""
import os.path as osp
from typing import List

__all__ = ['LAYOUTS', 'PAGE', 'DataMissing', 'missing_paths', 'check_data']

PAGE = 'docs/dataset_prepare.md'
#: the layout each data set type expects under ``data_root``
LAYOUTS = {
    'OfflineCIFAR10': 'data_root/cifar-10-batches-py/{data_batch_1..5, '
    'test_batch, batches.meta} (the unpacked cifar-10-python.tar.gz)',
    'OfflineCIFAR100': 'data_root/cifar-100-python/{train, test, meta} (the '
    'unpacked cifar-100-python.tar.gz)',
    'TinyImageNet': 'data_root/{wnids.txt, train/<wnid>/images/*.JPEG, '
    'val/images/*.JPEG, val/val_annotations.txt} (the unpacked '
    'tiny-imagenet-200.zip)',
    'ImageNet': 'data_root/{train/<wnid>/*.JPEG, val/*.JPEG, meta/train.txt, '
    'meta/val.txt} (mmpretrain\'s ImageNet layout)',
    'FashionMNISTSplit': 'train-images-idx3-ubyte.gz, '
    'train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, '
    't10k-labels-idx1-ubyte.gz in FASHION_MNIST_DIR, data/fashion-mnist or '
    '/usr/share/datasets/fashion-mnist',
    'VOCDataset': 'data_root/VOC2007 and VOC2012/{Annotations, '
    'ImageSets/Main/{trainval,test}.txt, JPEGImages} (VOCdevkit)',
    'CocoDataset': 'data_root/{annotations/instances_train2017.json, '
    'annotations/instances_val2017.json, train2017/, val2017/}',
}
_WRAPPERS = {'ConcatDataset': 'datasets', 'RepeatDataset': 'dataset',
             'ClassBalancedDataset': 'dataset'}


class DataMissing(FileNotFoundError):
    """A path a config's dataloader reads does not exist."""


def _type(ds_cfg) -> str:
    t = ds_cfg.get('type', '')
    return (t if isinstance(t, str) else t.__name__).split('.')[-1]


def _join(root: str, path: str) -> str:
    return path if not root or osp.isabs(path) else osp.join(root, path)


def _needed(ds_cfg) -> List[str]:
    """The paths one (non-wrapper) dataset config reads."""
    from mmpretrain.registry import DATASETS
    t, root = _type(ds_cfg), ds_cfg.get('data_root') or ''
    if t in ('OfflineCIFAR10', 'OfflineCIFAR100'):
        cls = DATASETS.get(t)
        folder = osp.join(root, cls.base_folder)
        names = [n for n, _ in cls.train_list + cls.test_list]
        return [osp.join(folder, n) for n in names + [cls.meta['filename']]]
    if t == 'FashionMNISTSplit':
        from .fashion_mnist import FashionMNISTSplit, fashion_mnist_roots
        try:
            FashionMNISTSplit.resolve_root(ds_cfg.get('data_root'))
            return []
        except FileNotFoundError:
            return [osp.join(root or fashion_mnist_roots()[0],
                             'train-images-idx3-ubyte.gz')]
    if t == 'TinyImageNet':
        need = [osp.join(root, 'train')]
        if ds_cfg.get('split', 'train') == 'val':
            need += [osp.join(root, 'val', 'images'),
                     osp.join(root, 'val', 'val_annotations.txt')]
        return need
    need = [root] if root else []
    if t == 'ImageNet' and ds_cfg.get('split'):
        need.append(_join(root, ds_cfg.get('data_prefix') or
                          ds_cfg['split']))
    ann = ds_cfg.get('ann_file')
    if ann:
        need.append(_join(root, ann))
    prefix = ds_cfg.get('data_prefix')
    if isinstance(prefix, str) and prefix and t != 'ImageNet':
        need.append(_join(root, prefix))
    elif isinstance(prefix, dict):
        need += [_join(root, p) for p in prefix.values()
                 if isinstance(p, str) and p]
    return need


def _leaves(ds_cfg) -> list:
    """The dataset configs inside wrappers (``ConcatDataset``,
    ``RepeatDataset``, ``ClassBalancedDataset``), or the config itself."""
    key = _WRAPPERS.get(_type(ds_cfg))
    if key is None:
        return [ds_cfg]
    inner = ds_cfg.get(key)
    inner = inner if isinstance(inner, (list, tuple)) else [inner]
    return [leaf for d in inner for leaf in _leaves(d)]


def missing_paths(ds_cfg) -> List[str]:
    """The paths a dataset config reads that do not exist (wrappers such as
    ``ConcatDataset`` and ``RepeatDataset`` checked through)."""
    if not ds_cfg:
        return []
    return [p for leaf in _leaves(ds_cfg) for p in _needed(leaf)
            if not osp.exists(p)]


def check_data(cfg, loaders=('train_dataloader', 'val_dataloader',
                             'test_dataloader')) -> None:
    """Raises :class:`DataMissing` naming, per dataloader, the first missing
    path, the layout its data set expects and :data:`PAGE`."""
    problems = []
    for key in loaders:
        loader = cfg.get(key)
        ds_cfg = loader.get('dataset') if loader else None
        miss = missing_paths(ds_cfg)
        if not miss:
            continue
        types = list(dict.fromkeys(_type(d) for d in _leaves(ds_cfg)))
        layout = '; '.join(LAYOUTS.get(t, 'the paths the config names')
                           for t in types)
        more = f' (and {len(miss) - 1} more)' if len(miss) > 1 else ''
        problems.append(f'{key}.dataset ({", ".join(types)}): {miss[0]} '
                        f'does not exist{more}; expected {layout}')
    if problems:
        raise DataMissing('\n'.join(problems) + f'\nWhere each data set goes '
                          f'and in which layout: {PAGE}')
