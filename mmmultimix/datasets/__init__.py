from .cifar import OfflineCIFAR10, OfflineCIFAR100
from .digits import Digits
from .fashion_mnist import FashionMNISTSplit
from .tiny_imagenet import TinyImageNet

__all__ = [
    'Digits', 'FashionMNISTSplit', 'OfflineCIFAR10', 'OfflineCIFAR100',
    'TinyImageNet'
]
