"""The wide basic block of AlignMixup's WRN (the original WRN code's)."""
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import Tensor

__all__ = ['WideBasicBlock']


class WideBasicBlock(nn.Module):
    """``wide_basic`` of AlignMixup's ``cifar10_100/models/WideResnet.py``:
    BN-ReLU-conv3×3 (stride 1), BN-ReLU-conv3×3 (stride ``s``), convolutions
    with bias; the shortcut adds the raw input ``x``, through a 1×1 conv
    (with bias, stride ``s``) when the shape changes. (Our
    :class:`PreActBlock` strides the first conv, has no biases and projects
    the activated input.)"""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 norm_cfg: dict = dict(type='BN')):
        super().__init__()
        self.bn1 = build_norm_layer(norm_cfg, in_channels)[1]
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, 1, 1)
        self.bn2 = build_norm_layer(norm_cfg, out_channels)[1]
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride, 1)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv1(F.relu(self.bn1(x)))
        out = self.conv2(F.relu(self.bn2(out)))
        return out + (self.shortcut(x) if self.shortcut is not None else x)
