"""The memory layout of a classifier's weights and image batches
(``model.channels_last``), shared by the student and its teacher (the
teacher is a copy of the student's modules, layout and hooks included).

One CPU exception: in PyTorch 2.14.1, oneDNN's AVX2 kernels corrupt the heap
(``double free or corruption``, ``free(): invalid next size``, segfaults) in
the backward pass of a channels-last 1×1 convolution with stride 2 and 2–7
input channels (measured: 2, 3, 4, 6 crash; 1, 8, 12, 16 and every stride-1
or 3×3 case tried do not; ``ONEDNN_MAX_CPU_ISA=AVX2`` reproduces it on
AVX-512 hosts, whose own kernels do not crash). Such layers — the strided
shortcuts of a ResNet narrower than 8 base channels — run in the standard
layout on CPU: their weights get standard strides (a 1×1 weight in the
channels-last layout also passes ``is_contiguous()``, and oneDNN follows its
strides) and a pre-hook makes their CPU inputs contiguous. CUDA inputs pass
unchanged (channels-last there).
"""
import warnings
from contextlib import contextmanager
from typing import List

import torch
import torch.nn as nn
from torch import Tensor

__all__ = ['MemoryLayout', 'cpu_unsafe_convs']

_WARNED = set()


def _unsafe(conv: nn.Module) -> bool:
    return (isinstance(conv, nn.Conv2d) and conv.groups == 1
            and tuple(conv.kernel_size) == (1, 1)
            and max(conv.stride) > 1 and 1 < conv.in_channels < 8)


def cpu_unsafe_convs(module: nn.Module) -> List[str]:
    """Names of the convolutions whose channels-last backward crashes with
    oneDNN's AVX2 kernels (1×1, stride > 1, 2–7 input channels)."""
    return [name for name, m in module.named_modules() if _unsafe(m)]


def _contiguous_on_cpu(module, args):
    x = args[0]
    if x.device.type == 'cpu' and not x.is_contiguous():
        return (x.contiguous(), ) + tuple(args[1:])
    return None


class MemoryLayout:
    """Puts a module's 4-D weights and image batches in the channels-last
    layout (``enabled``), except the CPU-unsafe convolutions above.

    Args:
        enabled (bool): ``model.channels_last``.
    """

    def __init__(self, enabled: bool):
        self.enabled = bool(enabled)

    def images(self, x: Tensor) -> Tensor:
        """A 4-D image batch in the layout."""
        if self.enabled and x.dim() == 4:
            return x.contiguous(memory_format=torch.channels_last)
        return x

    def apply(self, module: nn.Module) -> nn.Module:
        """Converts ``module``'s weights (no-op when disabled)."""
        if not self.enabled:
            return module
        module.to(memory_format=torch.channels_last)
        unsafe = cpu_unsafe_convs(module)
        for name in unsafe:
            conv = module.get_submodule(name)
            w = conv.weight.data  # (c, c', 1, 1): channels-last strides
            # pass is_contiguous(); standard strides need a fresh tensor
            conv.weight.data = torch.empty(
                w.shape, dtype=w.dtype, device=w.device).copy_(w)
            if _contiguous_on_cpu not in conv._forward_pre_hooks.values():
                conv.register_forward_pre_hook(_contiguous_on_cpu)
        key = tuple(sorted(unsafe))
        if unsafe and key not in _WARNED:
            _WARNED.add(key)
            warnings.warn(
                f'model.channels_last: {len(unsafe)} convolution(s) ('
                f'{", ".join(unsafe[:3])}{", ..." if len(unsafe) > 3 else ""}'
                ': 1x1, stride 2, 2-7 input channels) run in the standard '
                "layout on CPU: oneDNN's AVX2 kernels corrupt the heap in "
                'their channels-last backward pass (PyTorch 2.14.1). CUDA '
                'keeps channels-last; base_channels >= 8 avoids them.',
                stacklevel=2)
        return module

    @contextmanager
    def standard(self, module: nn.Module):
        """``module`` in the standard layout inside the block (e.g. for
        initialisation: the same random draws give the same weights as
        ``channels_last=False``), back in the layout after it."""
        if self.enabled:
            module.to(memory_format=torch.contiguous_format)
        try:
            yield module
        finally:
            self.apply(module)
