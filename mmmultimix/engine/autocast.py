"""Mixed precision on any device (bf16 autocast on CPU)."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

__all__ = ['AutocastOptimWrapper']


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """:class:`OptimWrapper` whose forward runs under ``torch.autocast`` on
    the model's device type with ``dtype`` (default bf16, no loss scaling:
    bf16 has fp32's range). mmengine's ``AmpOptimWrapper`` is CUDA-only;
    ``tools/train.py --amp`` picks this wrapper on machines without CUDA.
    Our maths keeps Dirichlet sampling, normalisations and losses in fp32.
    """

    def __init__(self, *args, dtype: str = 'bfloat16', **kwargs):
        super().__init__(*args, **kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError("optim_wrapper.dtype must be 'bfloat16' or "
                             f"'float16', got {dtype!r}")
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model):
        device = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(
                device_type=device, dtype=self.cast_dtype):
            yield
