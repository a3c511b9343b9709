"""CIFAR-10/100 through mmpretrain, offline, with a clear message when the
python pickles are missing."""
import os.path as osp

from mmpretrain.datasets import CIFAR10, CIFAR100
from mmpretrain.registry import DATASETS

__all__ = ['OfflineCIFAR10', 'OfflineCIFAR100']


class _OfflineMixin:

    def __init__(self, data_root: str = '', split: str = 'train', **kwargs):
        if kwargs.pop('download', False):
            raise ValueError(f'{type(self).__name__} never downloads; use '
                             "mmpretrain's CIFAR classes with download=True "
                             'on a machine with internet access')
        super().__init__(data_root=data_root, split=split, download=False,
                         **kwargs)

    def load_data_list(self):
        root = self.data_prefix['root']
        folder = osp.join(root, self.base_folder)
        names = [f for f, _ in self.train_list + self.test_list]
        names.append(self.meta['filename'])
        missing = [n for n in names if not osp.isfile(osp.join(folder, n))]
        if missing:
            raise FileNotFoundError(
                f'{type(self).__name__}: {len(missing)} file(s) missing in '
                f'{folder}: {missing}. Set data_root (train_dataloader.'
                'dataset.data_root) to the folder that holds '
                f'{self.base_folder}/ (the unpacked {self.filename}); '
                'datasets are not downloaded.')
        return super().load_data_list()


@DATASETS.register_module()
class OfflineCIFAR10(_OfflineMixin, CIFAR10):
    """mmpretrain ``CIFAR10`` with ``download=False`` (md5 sums checked by
    mmpretrain) and a clear error naming the missing files."""


@DATASETS.register_module()
class OfflineCIFAR100(_OfflineMixin, CIFAR100):
    """mmpretrain ``CIFAR100`` with ``download=False`` (md5 sums checked by
    mmpretrain) and a clear error naming the missing files."""
