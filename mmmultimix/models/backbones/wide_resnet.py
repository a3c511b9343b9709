"""Wide residual network (Zagoruyko & Komodakis, BMVC 2016)."""
from typing import Optional, Sequence

import torch.nn as nn
from mmpretrain.registry import MODELS

from .staged import StagedBackbone
from .wide_basic_block import WideBasicBlock

__all__ = ['WideResNet']


@MODELS.register_module()
class WideResNet(StagedBackbone):
    """WRN-depth-widen (pre-activation, CIFAR stem), the paper's "W16-8".

    Three stages of ``(depth - 4) / 6`` blocks with ``16·k``, ``32·k``,
    ``64·k`` channels; 32×32 inputs give a ``64k`` × 8 × 8 embedding map.
    Layers for interpolation: 0 input, 1–3 after each stage. Two layouts,
    both ending in BN + ReLU:

    * ``block='preact'`` (default): :class:`PreActBlock` (first conv
      strided, no biases, projection of the activated input), bare stem;
    * ``block='wide_basic'``: AlignMixup's ``Wide_ResNet``
      (``cifar10_100/models/WideResnet.py``, the code base of paper A.1),
      used by the paper's W16-8 configs: :class:`WideBasicBlock` (second
      conv strided, biases, projection of the raw input), a stem conv with
      bias, and its final BN built with ``momentum=0.9`` (PyTorch's
      convention: running statistics follow the batch closely), set by
      ``final_norm_cfg``.

    Args:
        depth (int): ``6N + 4``. Defaults to 16.
        widen_factor (int): ``k``. Defaults to 8.
        in_channels (int): input channels. Defaults to 3.
        out_indices (Sequence[int]): returned stages. Defaults to ``(2, )``.
        norm_cfg (dict): normalisation layer. Defaults to ``dict(type='BN')``.
        block (str): ``'preact'`` or ``'wide_basic'``. Defaults to
            ``'preact'``.
        final_norm_cfg (dict, optional): the final BN; None: ``norm_cfg``.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 depth: int = 16,
                 widen_factor: int = 8,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (2, ),
                 norm_cfg: dict = dict(type='BN'),
                 block: str = 'preact',
                 final_norm_cfg: Optional[dict] = None,
                 init_cfg=None):
        if depth < 10 or (depth - 4) % 6 != 0:
            raise ValueError(f'depth must be 6N + 4 with N >= 1, got {depth}')
        if widen_factor < 1:
            raise ValueError(f'widen_factor must be >= 1, got {widen_factor}')
        if block not in ('preact', 'wide_basic'):
            raise ValueError("backbone.block must be 'preact' or "
                             f"'wide_basic', got {block!r}")
        num = (depth - 4) // 6
        super().__init__(out_indices, 3, init_cfg)
        wide = block == 'wide_basic'
        self._build(
            nn.Conv2d(in_channels, 16, 3, 1, 1, bias=wide),
            [16 * widen_factor, 32 * widen_factor, 64 * widen_factor],
            [num] * 3, 16, norm_cfg,
            block=WideBasicBlock if wide else None,
            final_norm_cfg=final_norm_cfg)
