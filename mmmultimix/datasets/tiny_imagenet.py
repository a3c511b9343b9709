"""TinyImageNet-200 in its standard folder layout."""
import os.path as osp
from typing import List

from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

__all__ = ['TinyImageNet']


@DATASETS.register_module()
class TinyImageNet(BaseDataset):
    """TinyImageNet (Le & Yang 2015) read from the layout of its archive::

        data_root/
            wnids.txt                      (class order; optional)
            train/<wnid>/images/*.JPEG
            val/images/*.JPEG
            val/val_annotations.txt        (file \\t wnid \\t box)

    Args:
        data_root (str): dataset root.
        split (str): ``'train'`` or ``'val'``.
        **kwargs: passed to :class:`mmpretrain.datasets.BaseDataset`.
    """

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in ('train', 'val'):
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        self.split = split
        kwargs.setdefault('test_mode', split == 'val')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def _wnids(self) -> List[str]:
        root = self.data_root
        train = osp.join(root, 'train')
        if not osp.isdir(train):
            raise FileNotFoundError(
                f'TinyImageNet not found: {train} is missing. Set data_root '
                'to the folder holding train/, val/ and wnids.txt (the '
                'unpacked tiny-imagenet-200 archive; it is not downloaded).')
        wnids_file = osp.join(root, 'wnids.txt')
        if osp.isfile(wnids_file):
            with open(wnids_file) as f:
                return [w.strip() for w in f if w.strip()]
        import os
        return sorted(d for d in os.listdir(train)
                      if osp.isdir(osp.join(train, d)))

    def load_data_list(self) -> List[dict]:
        import os
        wnids = self._wnids()
        self._metainfo['classes'] = tuple(wnids)
        label = {w: i for i, w in enumerate(wnids)}
        root = self.data_root
        data = []
        if self.split == 'train':
            for w in wnids:
                folder = osp.join(root, 'train', w, 'images')
                for name in sorted(os.listdir(folder)):
                    data.append(
                        dict(img_path=osp.join(folder, name),
                             gt_label=label[w]))
            return data
        ann = osp.join(root, 'val', 'val_annotations.txt')
        if not osp.isfile(ann):
            raise FileNotFoundError(f'TinyImageNet val annotations missing: '
                                    f'{ann}')
        with open(ann) as f:
            for line in f:
                parts = line.strip().split('\t')
                if len(parts) < 2:
                    continue
                data.append(
                    dict(img_path=osp.join(root, 'val', 'images', parts[0]),
                         gt_label=label[parts[1]]))
        return data
