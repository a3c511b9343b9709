"""Interpolation in full precision, also inside a reduced-precision pass
(AMP, or a bf16 / fp16 teacher): ``Λᵀ·`` and ``M̂ᵀ·`` mix in at least fp32."""
import torch
from torch import Tensor

__all__ = ['at_least_fp32', 'full_precision']


def at_least_fp32(x: Tensor) -> Tensor:
    """``x`` in fp32 if its dtype is narrower (fp64 stays)."""
    return x.to(torch.promote_types(x.dtype, torch.float32))


def full_precision(x: Tensor):
    """A region where autocast is off on ``x``'s device."""
    return torch.autocast(x.device.type, enabled=False)
