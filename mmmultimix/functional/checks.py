"""Validators shared by the maths and the registered modules: each error
names the key and the valid range."""
from typing import Sequence, Tuple, Union

from torch import Tensor

__all__ = ['AlphaType', 'check_alpha', 'check_beta_alpha', 'check_bool']

AlphaType = Union[float, Tuple[float, float], Sequence[float]]


def _check_positive(value, key: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f'{key} must be a number > 0, got {value!r}') from None
    if not value > 0 or value != value or value == float('inf'):
        raise ValueError(f'{key} must be a finite number > 0, got {value}')
    return value


def check_alpha(alpha: AlphaType, key: str = 'alpha') -> Tuple[float, float]:
    """Validates a Dirichlet parameter: a float ``> 0`` or a pair ``(lo, hi)``
    with ``0 < lo <= hi``. Returns it as a ``(lo, hi)`` pair."""
    if isinstance(alpha, (int, float)) and not isinstance(alpha, bool):
        a = _check_positive(alpha, key)
        return a, a
    if isinstance(alpha, (tuple, list)) and len(alpha) == 2:
        lo = _check_positive(alpha[0], f'{key}[0]')
        hi = _check_positive(alpha[1], f'{key}[1]')
        if lo > hi:
            raise ValueError(f'{key} must be a pair (lo, hi) with 0 < lo <= '
                             f'hi, got {tuple(alpha)}')
        return lo, hi
    raise TypeError(f'{key} must be a float > 0 or a pair (lo, hi) with '
                    f'0 < lo <= hi, got {alpha!r}')


def _check_count(value, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, Tensor) or not float(value).is_integer():
            raise TypeError(f'{key} must be an integer >= {minimum}, got '
                            f'{value!r}')
        value = int(value)
    if value < minimum:
        raise ValueError(f'{key} must be an integer >= {minimum}, got '
                         f'{value}')
    return value


def _check_targets(targets: Tensor, m: int, name: str = 'targets') -> None:
    if targets.dim() != 2 or targets.shape[0] != m:
        raise ValueError(f'{name} must have shape (m, c) = ({m}, c), got '
                         f'{tuple(targets.shape)}')


def check_beta_alpha(alpha, key: str = 'alpha') -> float:
    """Validates the parameter of a symmetric ``Beta(α, α)`` (mixup, CutMix,
    the input-mixup branch of MultiMix): one number ``α > 0``."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
        raise TypeError(f'{key} must be a number > 0 (the α of Beta(α, α)), '
                        f'got {alpha!r}')
    return _check_positive(alpha, key)


def check_bool(value, key: str) -> bool:
    """A config switch must be ``True`` or ``False`` (``'no'`` or ``0``
    would silently read as a truth value)."""
    if not isinstance(value, bool):
        raise TypeError(f'{key} must be True or False, got {value!r}')
    return value
