"""Backbones that can be run stage by stage (interpolation at a layer)."""
from typing import Callable, Optional, Sequence, Tuple

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from torch import Tensor

from .preact_block import PreActBlock

__all__ = ['StagedBackbone']


class StagedBackbone(BaseBackbone):
    """Base class of CIFAR-style residual backbones run piecewise.

    Layer ``0`` is the input; layer ``k`` (``1 <= k <= num_stages``) is the
    output of stage ``k``. The stem belongs to stage 1 and the final
    pre-activation BN + ReLU to the last stage, so the output of the last
    stage is the embedding map fed to the neck (Fig. 3a of the paper numbers
    the blocks of R-18 the same way).

    Subclasses set ``self.stem``, ``self.stages`` (``nn.ModuleList``) and
    ``self.final`` (module applied after the last stage).

    Initialisation (``init_cfg=None``): Kaiming-normal convolutions
    (fan-out, ReLU gain) and BN weights 1 / biases 0, applied by
    ``init_weights()`` as every mmengine module (the runner calls it).
    """
    default_init_cfg = [
        dict(type='Kaiming', layer='Conv2d', mode='fan_out',
             nonlinearity='relu', distribution='normal'),
        dict(type='Constant', layer='_BatchNorm', val=1, bias=0)
    ]

    def __init__(self, out_indices: Sequence[int], num_stages: int,
                 init_cfg=None):
        super().__init__(init_cfg if init_cfg is not None else
                         [dict(c) for c in self.default_init_cfg])
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        out = []
        for i in out_indices:
            idx = i + num_stages if i < 0 else i
            if not 0 <= idx < num_stages:
                raise ValueError(f'out_indices entries must lie in '
                                 f'[-{num_stages}, {num_stages - 1}], got {i}')
            out.append(idx)
        self.out_indices = tuple(out)
        self.num_stages = num_stages

    def _build(self, stem: nn.Module, widths: Sequence[int],
               blocks: Sequence[int], stem_channels: int, norm_cfg: dict,
               final_norm: bool = True,
               identity_from: str = 'input',
               block: Callable[..., nn.Module] = None,
               final_norm_cfg: Optional[dict] = None) -> None:
        """Pre-activation stages (the first block of every stage but the
        first downsamples by 2) and, with ``final_norm``, a final BN + ReLU
        (``final_norm_cfg``, default ``norm_cfg``; else the last stage's
        output is the embedding map). ``block(c_in, c_out, stride,
        norm_cfg)`` builds a block; default :class:`PreActBlock` with
        ``identity_from``."""
        if block is None:
            def block(c_in, c_out, stride, cfg):
                return PreActBlock(c_in, c_out, stride, cfg, identity_from)
        self.stem = stem
        stages, c_in = [], stem_channels
        for i, (c_out, num) in enumerate(zip(widths, blocks)):
            layers = []
            for b in range(num):
                stride = 2 if (i > 0 and b == 0) else 1
                layers.append(block(c_in, c_out, stride, norm_cfg))
                c_in = c_out
            stages.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stages)
        self.final = nn.Sequential(
            build_norm_layer(final_norm_cfg or norm_cfg, c_in)[1],
            nn.ReLU()) if final_norm else nn.Identity()
        self.out_channels = c_in

    def train(self, mode: bool = True) -> 'StagedBackbone':
        """As ``nn.Module.train``: returns the module (mmpretrain's
        ``BaseBackbone.train`` returns None, which breaks
        ``net = MODELS.build(cfg).eval()``)."""
        super().train(mode)
        return self

    def _stage(self, k: int, x: Tensor) -> Tensor:
        if k == 0:
            x = self.stem(x)
        x = self.stages[k](x)
        if k == self.num_stages - 1:
            x = self.final(x)
        return x

    def forward_stages(self, x: Tensor, start: int, end: int) -> Tensor:
        """Runs stages ``start+1 .. end`` on the output of layer ``start``."""
        if not 0 <= start <= end <= self.num_stages:
            raise ValueError(f'stage range must satisfy 0 <= start <= end <= '
                             f'{self.num_stages}, got ({start}, {end})')
        for k in range(start, end):
            x = self._stage(k, x)
        return x

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        outs = []
        for k in range(self.num_stages):
            x = self._stage(k, x)
            if k in self.out_indices:
                outs.append(x)
        return tuple(outs)
