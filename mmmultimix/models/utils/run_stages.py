"""Run a backbone piecewise, for interpolation at an intermediate layer."""
from typing import Optional

import torch.nn as nn
from torch import Tensor

__all__ = ['num_stages', 'forward_stages', 'check_staged']


def _stem_kind(backbone: nn.Module) -> Optional[str]:
    """How an mmpretrain ResNet-family backbone's ``forward`` runs its stem
    before ``res_layers``: ``'resnet'`` (``ResNet.forward``: the (deep)
    stem, then the max-pool), ``'conv'`` (``ResNet_CIFAR`` and ``RegNet``:
    conv1, norm1, relu; no max-pool); None for any other backbone,
    including a subclass whose own ``forward`` is not one of these."""
    from mmpretrain.models.backbones import RegNet, ResNet, ResNet_CIFAR
    if not isinstance(backbone, ResNet):
        return None
    forward = type(backbone).forward
    if forward is ResNet.forward:
        return 'resnet'
    if forward in (ResNet_CIFAR.forward, RegNet.forward):
        return 'conv'
    return None


def num_stages(backbone: nn.Module) -> int:
    """Number of stages ``K`` (layers ``0..K`` can be interpolated at);
    0 for a backbone that cannot be run stage by stage."""
    if hasattr(backbone, 'forward_stages'):
        return backbone.num_stages
    if _stem_kind(backbone) is not None:
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
            'staged backbone (PreActResNet, WideResNet, or mmpretrain '
            'ResNet, ResNetV1c/d, ResNeXt, SEResNet, ResNet_CIFAR, RegNet); '
            f'model.backbone ({type(backbone).__name__}) supports only 0 '
            "(input) and 'embedding'")
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
    stem = _stem_kind(backbone)
    for k in range(start, end):
        if k == 0 and stem == 'resnet':  # as ResNet.forward
            if backbone.deep_stem:
                x = backbone.stem(x)
            else:
                x = backbone.relu(backbone.norm1(backbone.conv1(x)))
            x = backbone.maxpool(x)
        elif k == 0:  # as ResNet_CIFAR.forward and RegNet.forward
            x = backbone.relu(backbone.norm1(backbone.conv1(x)))
        x = getattr(backbone, backbone.res_layers[k])(x)
    return x
