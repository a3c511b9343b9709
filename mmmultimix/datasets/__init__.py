from .batched_views import (crop_flip_collate, draw_crop_flip,
                            per_sample_pipeline)
from .cifar import OfflineCIFAR10, OfflineCIFAR100
from .digits import Digits
from .fashion_mnist import FashionMNISTSplit
from .tiny_imagenet import TinyImageNet

__all__ = [
    'crop_flip_collate', 'draw_crop_flip', 'per_sample_pipeline', 'Digits',
    'FashionMNISTSplit', 'OfflineCIFAR10', 'OfflineCIFAR100', 'TinyImageNet'
]
