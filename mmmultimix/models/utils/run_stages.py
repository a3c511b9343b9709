"""Run a backbone piecewise, for interpolation at an intermediate layer."""
import torch.nn as nn
from torch import Tensor

__all__ = ['num_stages', 'forward_stages', 'check_staged']


def _is_mmpretrain_resnet(backbone: nn.Module) -> bool:
    from mmpretrain.models.backbones import ResNet
    return isinstance(backbone, ResNet)


def num_stages(backbone: nn.Module) -> int:
    """Number of stages ``K`` (layers ``0..K`` can be interpolated at)."""
    if hasattr(backbone, 'forward_stages'):
        return backbone.num_stages
    if _is_mmpretrain_resnet(backbone):
        return len(backbone.res_layers)
    return 0


def check_staged(backbone: nn.Module, layer: int, key: str) -> None:
    """Raises a clear error if ``backbone`` cannot interpolate at ``layer``."""
    if layer == 0:
        return
    k = num_stages(backbone)
    if k == 0:
        raise ValueError(
            f'{key}={layer}: interpolation inside the backbone needs a '
            'staged backbone (PreActResNet, WideResNet or mmpretrain '
            f'ResNet); {type(backbone).__name__} supports only 0 (input) and '
            "'embedding'")
    if not 0 <= layer <= k:
        raise ValueError(f'{key} must lie in [0, {k}] for '
                         f'{type(backbone).__name__}, got {layer}')
    if tuple(backbone.out_indices) != (k - 1, ):
        raise ValueError(f'{key}={layer} needs the backbone to output only '
                         f'its last stage (out_indices=({k - 1},)), got '
                         f'{tuple(backbone.out_indices)}')


def forward_stages(backbone: nn.Module, x: Tensor, start: int,
                   end: int) -> Tensor:
    """Maps the output of layer ``start`` to the output of layer ``end``
    (layer 0 = input, layer ``k`` = after stage ``k``)."""
    if hasattr(backbone, 'forward_stages'):
        return backbone.forward_stages(x, start, end)
    for k in range(start, end):
        if k == 0:  # mmpretrain ResNet stem, as in ResNet.forward
            if backbone.deep_stem:
                x = backbone.stem(x)
            else:
                x = backbone.relu(backbone.norm1(backbone.conv1(x)))
            x = backbone.maxpool(x)
        x = getattr(backbone, backbone.res_layers[k])(x)
    return x
