from .preact_block import PreActBlock
from .preact_resnet import PreActResNet
from .staged import StagedBackbone
from .wide_basic_block import WideBasicBlock
from .wide_resnet import WideResNet

__all__ = [
    'PreActBlock', 'PreActResNet', 'StagedBackbone', 'WideBasicBlock',
    'WideResNet'
]
