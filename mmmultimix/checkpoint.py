"""Checkpoint loading policy on torch >= 2.6 (``weights_only=True``).

torch >= 2.6 loads with ``weights_only=True`` by default; mmengine
checkpoints also pickle numpy arrays and mmengine's ``HistoryBuffer`` in
``meta`` / ``message_hub``, so ``load_from``, ``--resume`` and
``tools/test.py`` fail with ``UnpicklingError``.

Policy: we keep torch's safe loader and *allow-list* exactly the globals an
mmengine checkpoint contains (numpy array reconstruction and dtypes,
``HistoryBuffer`` and ``getattr`` for its bound methods, ``Counter`` of
MultiStepLR, ``codecs.encode``). Checkpoints holding any other pickled
object are still refused by torch with an ``UnpicklingError`` naming the
offending global; load such a file only if you trust it, with
``torch.load(path, weights_only=False)``, and re-save its ``state_dict``.

Every local checkpoint mmengine reads (``load_from``, ``--resume``,
``tools/test.py``) goes through :func:`load_local_checkpoint`: a file that
is not a checkpoint (text, truncated, refused by the safe loader) raises
:class:`CheckpointReadError` naming the file and why.
"""
import os.path as osp
import pickle

import numpy as np
import torch

__all__ = [
    'SAFE_GLOBALS', 'register_safe_globals', 'CheckpointReadError',
    'load_local_checkpoint'
]


def _numpy_globals() -> list:
    out = [np.ndarray, np.dtype]
    try:  # numpy >= 1.25 / 2.x
        from numpy.core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover
        from numpy._core.multiarray import _reconstruct, scalar
    out += [_reconstruct, scalar]
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        out += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return out


def _mmengine_globals() -> list:
    import builtins
    import codecs
    import collections

    from mmengine.logging import HistoryBuffer

    # - HistoryBuffer: MessageHub log buffers in ``message_hub``;
    # - getattr: MessageHub pickles bound HistoryBuffer methods as
    #   ``getattr(buffer, 'min')``; the safe unpickler still refuses to *call*
    #   anything that is not itself allow-listed;
    # - Counter: MultiStepLR ``milestones`` in the scheduler state;
    # - codecs.encode: numpy's protocol-2 byte strings.
    return [
        HistoryBuffer, builtins.getattr, collections.Counter, codecs.encode
    ]


SAFE_GLOBALS = []


def register_safe_globals() -> None:
    """Allow-lists the globals of mmengine checkpoints for torch's safe
    loader (idempotent)."""
    if SAFE_GLOBALS:
        return
    SAFE_GLOBALS.extend(_numpy_globals() + _mmengine_globals())
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(SAFE_GLOBALS)


class CheckpointReadError(pickle.UnpicklingError, ValueError):
    """A file that cannot be read as a checkpoint (its name in the
    message). An ``UnpicklingError`` (what torch raises) and a
    ``ValueError``."""


def load_local_checkpoint(filename, map_location=None):
    """mmengine's local checkpoint loader, with errors that name the file:
    a missing file is a ``FileNotFoundError``; anything torch cannot load
    (text, a truncated or corrupt file, pickled globals refused by the safe
    loader) is a :class:`CheckpointReadError`."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        ckpt = torch.load(filename, map_location=map_location)
    except Exception as e:  # torch raises many types for a bad file
        raise CheckpointReadError(
            f'{filename} is not a readable checkpoint ({type(e).__name__}: '
            f'{e}); if it was cut short by a killed run, resume from the '
            'previous one') from e
    if not isinstance(ckpt, dict):
        raise CheckpointReadError(
            f'{filename} is not a checkpoint: it holds a '
            f'{type(ckpt).__name__}, not a dict of tensors')
    return ckpt


def _register_loader() -> None:
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint,
                                     force=True)


register_safe_globals()
_register_loader()
