from .preact_resnet import PreActBlock, PreActResNet
from .staged import StagedBackbone
from .wide_resnet import WideResNet

__all__ = ['PreActBlock', 'PreActResNet', 'StagedBackbone', 'WideResNet']
