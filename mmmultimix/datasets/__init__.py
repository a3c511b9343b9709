from .cifar import OfflineCIFAR10, OfflineCIFAR100
from .digits import Digits
from .tiny_imagenet import TinyImageNet

__all__ = ['Digits', 'OfflineCIFAR10', 'OfflineCIFAR100', 'TinyImageNet']
