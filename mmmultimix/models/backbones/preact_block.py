"""The pre-activation basic block (He et al., ECCV 2016)."""
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import Tensor

__all__ = ['PreActBlock']


class PreActBlock(nn.Module):
    """Pre-activation basic block: BN-ReLU-conv3×3, BN-ReLU-conv3×3.

    The shortcut is a 1×1 conv of the activated input ``ReLU(BN(x))`` when
    the shape changes. ``identity_from`` chooses what the identity shortcut
    adds: ``'input'`` (``x``, He et al.) or ``'activation'`` (``ReLU(BN(x))``,
    as AlignMixup's ``PreActBlock``, whose empty ``nn.Sequential`` shortcut
    is applied to the activated input).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 norm_cfg: dict = dict(type='BN'),
                 identity_from: str = 'input'):
        super().__init__()
        if identity_from not in ('input', 'activation'):
            raise ValueError("identity_from must be 'input' or 'activation', "
                             f'got {identity_from!r}')
        self.identity_from = identity_from
        self.bn1 = build_norm_layer(norm_cfg, in_channels)[1]
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1,
                               bias=False)
        self.bn2 = build_norm_layer(norm_cfg, out_channels)[1]
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1,
                               bias=False)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride,
                                      bias=False)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(x))
        if self.shortcut is not None:
            shortcut = self.shortcut(out)
        else:
            shortcut = out if self.identity_from == 'activation' else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut
