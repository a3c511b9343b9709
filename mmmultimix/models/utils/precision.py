"""The precision of a run's forward passes (``model.precision``, the
teacher's ``model.distill.teacher_dtype``): names, the hardware detector
and the resolution of ``'auto'``, each error naming its config key.

``'auto'`` is bf16 where the device runs it natively (a CUDA device with
bf16; a CPU whose oneDNN has AVX512-BF16 or AMX) and fp32 elsewhere (an
AVX2 CPU emulates bf16, ~25x slower than fp32). The interpolation maths
(``Λ`` sampling, mixing, targets, losses) stays in fp32 whatever is chosen
(:func:`mmmultimix.functional.full_precision`).
"""
import contextlib
import warnings
from typing import Optional

import torch

__all__ = ['PRECISIONS', 'DTYPES', 'fast_bf16', 'auto_precision',
           'resolve_precision', 'autocast_context']

DTYPES = {'fp32': None, 'bf16': torch.bfloat16, 'fp16': torch.float16}
PRECISIONS = tuple(DTYPES) + ('auto', )


def fast_bf16(device: torch.device) -> bool:
    """Whether ``device`` runs bf16 convolutions natively: a CUDA device
    with bf16 support, or a CPU with AVX512-BF16 / AMX (oneDNN)."""
    if device.type == 'cuda':
        return torch.cuda.is_bf16_supported()
    if device.type == 'cpu':
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def auto_precision(native_bf16: bool) -> str:
    """What ``'auto'`` picks from the detector's answer (kept apart from the
    detector so that it is tested for both answers on any machine)."""
    return 'bf16' if native_bf16 else 'fp32'


def resolve_precision(name: str, device: torch.device, key: str,
                      native_bf16: Optional[bool] = None) -> str:
    """The precision ``name`` stands for on ``device``: ``'auto'``
    resolved, a setting the device cannot run a ``ValueError`` naming
    ``key``; bf16 on a CPU without native bf16 warns (it is slow, not
    wrong; callers resolve once per device, so they warn once).
    ``native_bf16`` overrides the detector (tests)."""
    if name not in PRECISIONS:
        raise ValueError(f'{key} must be one of {PRECISIONS}, got {name!r}')
    native = fast_bf16(device) if native_bf16 is None else native_bf16
    if name == 'auto':
        return auto_precision(native)
    if name == 'fp16' and device.type != 'cuda':
        raise ValueError(f"{key}='fp16' needs a CUDA device (got "
                         f"{device.type}); use 'fp32', 'bf16' or 'auto'")
    if name == 'bf16' and device.type == 'cuda' and not native:
        raise ValueError(f"{key}='bf16': this CUDA device has no bf16 "
                         "support; use 'fp16', 'fp32' or 'auto'")
    if name == 'bf16' and device.type not in ('cuda', 'cpu'):
        raise ValueError(f"{key}='bf16' runs on CUDA or CPU, got "
                         f"{device.type}; use 'fp32'")
    if name == 'bf16' and device.type == 'cpu' and not native:
        warnings.warn(f"{key}='bf16': this CPU has no native bf16 "
                      '(AVX512-BF16 / AMX); torch emulates it, much slower '
                      "than fp32. Use 'auto' to take bf16 only where it is "
                      'fast.')
    return name


def autocast_context(precision: str, device: torch.device):
    """The context of a forward pass in a resolved ``precision``: autocast
    to bf16 / fp16, or autocast switched off for fp32 (so that an fp32
    pass inside a reduced-precision one really is fp32)."""
    dtype = DTYPES[precision]
    if dtype is None:
        if torch.is_autocast_enabled(device.type):
            return torch.autocast(device.type, enabled=False)
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)
