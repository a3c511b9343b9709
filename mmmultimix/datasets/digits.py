"""scikit-learn's bundled digits as an mmpretrain dataset (no download)."""
from typing import List, Optional

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

__all__ = ['Digits']

DIGITS_CLASSES = tuple(str(i) for i in range(10))


@DATASETS.register_module()
class Digits(BaseDataset):
    """The UCI optical digits bundled with scikit-learn (1797 real 8×8
    grayscale images, 10 classes), served as ``uint8`` arrays ``(8, 8)``
    (pixel values 0–16 scaled to 0–255) through a normal mmpretrain pipeline.

    Splits are fixed: a stratified split of ``test_fraction`` of each class
    into ``'test'`` (seed 0), the rest ``'train'``. ``num_per_class`` takes a
    fixed stratified subset of the training split (the low-data setting,
    e.g. 20 per class).

    Args:
        split (str): ``'train'`` or ``'test'``.
        num_per_class (int, optional): low-data training subset size per
            class (``'train'`` only). Defaults to None (all).
        test_fraction (float): in ``(0, 1)``. Defaults to 0.3.
        split_seed (int): seed of the split and the subset. Defaults to 0.
        **kwargs: passed to :class:`mmpretrain.datasets.BaseDataset`
            (``pipeline``, ``test_mode``, ...).
    """
    METAINFO = {'classes': DIGITS_CLASSES}

    def __init__(self,
                 split: str = 'train',
                 num_per_class: Optional[int] = None,
                 test_fraction: float = 0.3,
                 split_seed: int = 0,
                 **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if not 0.0 < float(test_fraction) < 1.0:
            raise ValueError('test_fraction must lie in (0, 1), got '
                             f'{test_fraction}')
        if num_per_class is not None:
            if split != 'train':
                raise ValueError("num_per_class applies to split='train' only")
            if not isinstance(num_per_class, int) or num_per_class < 1:
                raise ValueError('num_per_class must be an integer >= 1, got '
                                 f'{num_per_class!r}')
        self.split = split
        self.num_per_class = num_per_class
        self.test_fraction = float(test_fraction)
        self.split_seed = int(split_seed)
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', **kwargs)

    def split_indices(self, labels: np.ndarray) -> np.ndarray:
        """Indices of this split, sorted."""
        from sklearn.model_selection import train_test_split
        idx = np.arange(len(labels))
        train, test = train_test_split(
            idx,
            test_size=self.test_fraction,
            stratify=labels,
            random_state=self.split_seed)
        if self.split == 'test':
            return np.sort(test)
        if self.num_per_class is not None:
            rng = np.random.RandomState(self.split_seed)
            keep = []
            for c in range(len(DIGITS_CLASSES)):
                cls = train[labels[train] == c]
                if len(cls) < self.num_per_class:
                    raise ValueError(
                        f'num_per_class={self.num_per_class} exceeds the '
                        f'{len(cls)} training images of class {c}')
                keep.append(rng.choice(cls, self.num_per_class, False))
            train = np.concatenate(keep)
        return np.sort(train)

    def load_data_list(self) -> List[dict]:
        from sklearn.datasets import load_digits
        digits = load_digits()
        images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
        labels = digits.target.astype(np.int64)
        return [
            dict(img=images[i], gt_label=int(labels[i]), sample_idx=int(i))
            for i in self.split_indices(labels)
        ]
