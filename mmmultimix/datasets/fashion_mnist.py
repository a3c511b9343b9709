"""Fashion-MNIST from the local files, with a fixed train / val split."""
import gzip
import os
import os.path as osp
from typing import List, Optional

import numpy as np
from mmpretrain.datasets import FashionMNIST
from mmpretrain.registry import DATASETS

__all__ = [
    'FashionMNISTSplit', 'FASHION_MNIST_ROOTS', 'INSTALL_HINT', 'read_idx',
    'fashion_mnist_roots'
]

#: searched in order when ``data_root`` is not given, after the folder
#: named by the environment variable ``FASHION_MNIST_DIR``
FASHION_MNIST_ROOTS = ('data/fashion-mnist',
                       '/usr/share/datasets/fashion-mnist')
INSTALL_HINT = ('put the four files train-images-idx3-ubyte.gz, '
                'train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and '
                't10k-labels-idx1-ubyte.gz (the official Fashion-MNIST '
                'release, gzipped or not) in a folder named by '
                'FASHION_MNIST_DIR or in data/fashion-mnist; on Debian '
                '`bash tools/setup_env.sh` installs them (as root: '
                '`apt-get install -y dataset-fashion-mnist`)')


def fashion_mnist_roots() -> tuple:
    """Where Fashion-MNIST is looked for, in order: ``FASHION_MNIST_DIR``
    (when set), then :data:`FASHION_MNIST_ROOTS`."""
    env = os.environ.get('FASHION_MNIST_DIR')
    return ((env, ) if env else ()) + FASHION_MNIST_ROOTS


_FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}


def read_idx(path: str) -> np.ndarray:
    """An unsigned-byte idx file (LeCun's MNIST format; ``.gz`` or not):
    magic ``0x0000 08 nd``, ``nd`` big-endian int32 sizes, then the data."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 or data[:3] != b'\x00\x00\x08':
        raise ValueError(f'{path} is not an unsigned-byte idx file')
    nd = data[3]
    shape = tuple(int(v) for v in np.frombuffer(data, '>i4', nd, 4))
    out = np.frombuffer(data, np.uint8, offset=4 + 4 * nd)
    if out.size != int(np.prod(shape)):
        raise ValueError(f'{path} is truncated: {out.size} bytes of data for '
                         f'shape {shape}')
    return out.reshape(shape)


def _find(root: str, name: str) -> Optional[str]:
    for candidate in (name, name + '.gz'):
        path = osp.join(root, candidate)
        if osp.isfile(path):
            return path
    return None


@DATASETS.register_module()
class FashionMNISTSplit(FashionMNIST):
    """Fashion-MNIST (Xiao et al. 2017: 70,000 real 28×28 grayscale product
    photos, 10 classes) read from the idx files (``.gz`` or not) on disk;
    never downloads.

    The official 60,000 training images are split once, stratified and
    seeded, into ``train`` and ``val`` (``val_size`` images, the same share
    of every class); the official 10,000 are ``test``. ``num_per_class``
    keeps a seeded subset of ``train`` with that many images per class (low-
    data regimes); the subset of a smaller ``num_per_class`` is contained in
    that of a larger one.

    Args:
        data_root (str, optional): folder with the four idx files; None
            searches ``FASHION_MNIST_DIR``, then
            :data:`FASHION_MNIST_ROOTS`.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        val_size (int): images held out of the official training set for
            validation, a multiple of 10 in ``[10, 59990]``. Defaults to
            5000.
        num_per_class (int, optional): training images per class (``split=
            'train'`` only), at most ``6000 - val_size / 10``.
        split_seed (int): seed of the train / val split and of the subsets.
            Defaults to 0.
        **kwargs: :class:`mmpretrain.datasets.BaseDataset` arguments
            (``pipeline``, ``indices``, ...).
    """

    def __init__(self,
                 data_root: Optional[str] = None,
                 split: str = 'train',
                 val_size: int = 5000,
                 num_per_class: Optional[int] = None,
                 split_seed: int = 0,
                 **kwargs):
        if split not in ('train', 'val', 'test'):
            raise ValueError("dataset.split must be 'train', 'val' or 'test', "
                             f'got {split!r}')
        if isinstance(val_size, bool) or not isinstance(val_size, int) or \
                not 10 <= val_size <= 59990 or val_size % 10:
            raise ValueError('dataset.val_size must be a multiple of 10 in '
                             f'[10, 59990], got {val_size!r}')
        if num_per_class is not None:
            cap = 6000 - val_size // 10
            if split != 'train':
                raise ValueError("dataset.num_per_class applies to split="
                                 "'train' only")
            if isinstance(num_per_class, bool) or not isinstance(
                    num_per_class, int) or not 1 <= num_per_class <= cap:
                raise ValueError('dataset.num_per_class must be an integer in '
                                 f'[1, {cap}] (6000 per class minus the val '
                                 f'share), got {num_per_class!r}')
        self.split_name = split
        self.val_size = val_size
        self.num_per_class = num_per_class
        self.split_seed = int(split_seed)
        root = self.resolve_root(data_root)
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(data_root=root,
                         split='test' if split == 'test' else 'train',
                         download=False, **kwargs)

    @staticmethod
    def resolve_root(data_root: Optional[str]) -> str:
        """``data_root``, or the first of :data:`FASHION_MNIST_ROOTS` that
        holds the files; a clear error when none does."""
        roots = (data_root, ) if data_root else fashion_mnist_roots()
        for root in roots:
            if all(_find(root, n) for files in _FILES.values()
                   for n in files):
                return root
        missing = [
            f'{osp.join(roots[0], n)}[.gz]' for files in _FILES.values()
            for n in files if not _find(roots[0], n)
        ]
        raise FileNotFoundError(
            f'Fashion-MNIST not found in {", ".join(roots)} (data_root; '
            f'missing e.g. {missing[0] if missing else roots[0]}): '
            f'{INSTALL_HINT}')

    def _check_exists(self) -> bool:
        root = self.data_prefix['root']
        return all(_find(root, n) for files in _FILES.values() for n in files)

    def split_indices(self, labels: np.ndarray) -> np.ndarray:
        """Indices of this split into the official file, sorted."""
        if self.split_name == 'test':
            return np.arange(len(labels))
        rng = np.random.RandomState(self.split_seed)
        per_class_val = self.val_size // 10
        keep: List[np.ndarray] = []
        for c in range(10):
            idx = rng.permutation(np.flatnonzero(labels == c))
            if self.split_name == 'val':
                keep.append(idx[:per_class_val])
            else:
                train = idx[per_class_val:]
                keep.append(train if self.num_per_class is None else
                            train[:self.num_per_class])
        return np.sort(np.concatenate(keep))

    def load_data_list(self) -> List[dict]:
        root = self.data_prefix['root']
        images_name, labels_name = _FILES['test' if self.split_name == 'test'
                                          else 'train']
        images = read_idx(_find(root, images_name))
        labels = read_idx(_find(root, labels_name)).astype(np.int64)
        return [
            dict(img=images[i], gt_label=int(labels[i]), sample_idx=int(i))
            for i in self.split_indices(labels)
        ]
