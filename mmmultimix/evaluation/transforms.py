"""Transform loading OOD images next to in-memory ID images."""
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

__all__ = ['LoadImageIfPath']


@TRANSFORMS.register_module()
class LoadImageIfPath(BaseTransform):
    """Loads ``results['img_path']`` when ``img`` is absent (OOD image
    folders beside an in-memory test set such as CIFAR or digits); resizes
    to ``size`` (h, w) when given, so OOD images match the ID resolution.

    Args:
        color_type (str): ``'color'`` or ``'grayscale'``.
        size (tuple[int, int], optional): output (h, w).
    """

    def __init__(self, color_type: str = 'color', size=None):
        if color_type not in ('color', 'grayscale', 'unchanged'):
            raise ValueError("color_type must be 'color', 'grayscale' or "
                             f"'unchanged', got {color_type!r}")
        self.color_type = color_type
        self.size = tuple(size) if size is not None else None

    def transform(self, results: dict) -> dict:
        if results.get('img') is None:
            img = mmcv.imread(results['img_path'], flag=self.color_type)
            if img is None:
                raise FileNotFoundError(results['img_path'])
            if self.size is not None and img.shape[:2] != self.size:
                img = mmcv.imresize(img, self.size[::-1])
            results['img'] = np.ascontiguousarray(img)
            results['img_shape'] = img.shape[:2]
            results['ori_shape'] = img.shape[:2]
        return results
