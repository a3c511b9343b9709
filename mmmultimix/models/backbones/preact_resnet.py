"""PreActResNet for 32×32 / 64×64 inputs (He et al., ECCV 2016)."""
from typing import Sequence

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmpretrain.registry import MODELS

from mmmultimix.functional import check_bool
from .staged import StagedBackbone

__all__ = ['PreActResNet']


@MODELS.register_module()
class PreActResNet(StagedBackbone):
    """PreActResNet with a CIFAR stem (3×3 conv, no max-pool).

    The paper's "R-18" on CIFAR and TinyImageNet. Layers for interpolation
    (Fig. 3a): 0 input, 1–4 after each stage; an input of 32×32 gives a
    512×4×4 embedding map. Two layouts:

    * He et al. (the defaults): bare 3×3 conv stem, identity shortcuts add
      ``x``, a final BN + ReLU (embeddings ≥ 0);
    * AlignMixup's ``ResNet18()`` (``cifar10_100/models/resnet.py``), the
      code base the paper trained with (A.1), used by every paper config:
      ``stem_norm=True`` (conv3×3–BN–ReLU), ``identity_from='activation'``
      (identity shortcuts add ``ReLU(BN(x))``), ``final_norm=False`` (the
      embedding is layer4's output: it can be negative, so the ReLU of eq.
      10's ℓ1∘ReLU is not a no-op).

    Args:
        depth (int): 18 or 34.
        in_channels (int): input channels. Defaults to 3.
        base_channels (int): channels of the first stage. Defaults to 64.
        out_indices (Sequence[int]): stages whose output is returned.
            Defaults to ``(3, )`` (the last).
        norm_cfg (dict): normalisation layer. Defaults to ``dict(type='BN')``
            (``SyncBN`` for synchronised multi-GPU statistics).
        stem_norm (bool): BN + ReLU after the stem conv. Defaults to False.
        final_norm (bool): BN + ReLU after the last stage. Defaults to True.
        identity_from (str): what an identity shortcut adds: ``'input'``
            (default) or ``'activation'``.
        init_cfg (dict, optional): mmengine initialisation config.
    """
    arch_settings = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}

    def __init__(self,
                 depth: int = 18,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 out_indices: Sequence[int] = (3, ),
                 norm_cfg: dict = dict(type='BN'),
                 stem_norm: bool = False,
                 final_norm: bool = True,
                 identity_from: str = 'input',
                 init_cfg=None):
        if depth not in self.arch_settings:
            raise ValueError(f'depth must be one of '
                             f'{sorted(self.arch_settings)}, got {depth}')
        if identity_from not in ('input', 'activation'):
            raise ValueError("backbone.identity_from must be 'input' or "
                             f"'activation', got {identity_from!r}")
        blocks = self.arch_settings[depth]
        super().__init__(out_indices, len(blocks), init_cfg)
        stem = nn.Conv2d(in_channels, base_channels, 3, 1, 1, bias=False)
        if check_bool(stem_norm, 'backbone.stem_norm'):
            stem = nn.Sequential(stem,
                                 build_norm_layer(norm_cfg, base_channels)[1],
                                 nn.ReLU())
        self._build(stem, [base_channels * 2**i for i in range(len(blocks))],
                    blocks, base_channels, norm_cfg,
                    check_bool(final_norm, 'backbone.final_norm'),
                    identity_from)
