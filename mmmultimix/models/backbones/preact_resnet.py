"""PreActResNet for 32×32 / 64×64 inputs (He et al., ECCV 2016)."""
from typing import Sequence

import torch.nn as nn
from mmpretrain.registry import MODELS

from .staged import StagedBackbone

__all__ = ['PreActResNet']


@MODELS.register_module()
class PreActResNet(StagedBackbone):
    """PreActResNet with a CIFAR stem (3×3 conv, no max-pool).

    The paper's "R-18" on CIFAR and TinyImageNet (AlignMixup's code base).
    Layers for interpolation (Fig. 3a): 0 input, 1–4 after each stage; an
    input of 32×32 gives a 512×4×4 embedding map.

    Args:
        depth (int): 18 or 34.
        in_channels (int): input channels. Defaults to 3.
        base_channels (int): channels of the first stage. Defaults to 64.
        out_indices (Sequence[int]): stages whose output is returned.
            Defaults to ``(3, )`` (the last).
        norm_cfg (dict): normalisation layer. Defaults to ``dict(type='BN')``
            (``SyncBN`` for synchronised multi-GPU statistics).
        init_cfg (dict, optional): mmengine initialisation config.
    """
    arch_settings = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}

    def __init__(self,
                 depth: int = 18,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 out_indices: Sequence[int] = (3, ),
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg=None):
        if depth not in self.arch_settings:
            raise ValueError(f'depth must be one of '
                             f'{sorted(self.arch_settings)}, got {depth}')
        blocks = self.arch_settings[depth]
        super().__init__(out_indices, len(blocks), init_cfg)
        self._build(
            nn.Conv2d(in_channels, base_channels, 3, 1, 1, bias=False),
            [base_channels * 2**i for i in range(len(blocks))], blocks,
            base_channels, norm_cfg)
