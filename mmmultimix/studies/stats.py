"""Paired statistics shared by the studies: differences over the same seeds
with Student-t 95 % intervals (scipy), verdicts, and ``mean ± std``."""
import math
import statistics

__all__ = ['t975', 'paired', 'mean_interval', 'verdict', 'fmt']


def t975(df: int) -> float:
    """Two-sided 95 % quantile of Student's t with ``df`` degrees of
    freedom (``scipy.stats.t.ppf(0.975, df)``)."""
    if df < 1:
        raise ValueError(f'df must be >= 1, got {df}')
    from scipy.stats import t
    return float(t.ppf(0.975, df))


def mean_interval(vals):
    """Mean and 95 % t-interval of the mean: ``(mean, lo, hi)``;
    ``lo = hi = mean`` for one value."""
    if not vals:
        raise ValueError('mean_interval() needs at least one value')
    mean = statistics.mean(vals)
    if len(vals) == 1:
        return mean, mean, mean
    half = t975(len(vals) - 1) * statistics.stdev(vals) / math.sqrt(len(vals))
    return mean, mean - half, mean + half


def paired(a, b):
    """Mean and 95 % t-interval of the paired differences ``a_i − b_i``
    (same seeds): ``(mean, lo, hi)``; ``lo = hi = mean`` for one pair."""
    if len(a) != len(b) or not a:
        raise ValueError('paired() needs two equally long, non-empty lists')
    return mean_interval([x - y for x, y in zip(a, b)])


def verdict(lo: float, hi: float) -> str:
    """``holds`` when the whole interval favours the claim (> 0),
    ``does not hold`` when it lies below 0, else ``cannot tell at this
    power``."""
    if lo > 0:
        return 'holds'
    if hi < 0:
        return 'does not hold'
    return 'cannot tell at this power'


def fmt(vals) -> str:
    """``mean ± std`` (sample std); the value alone for one (no spread to
    show); ``—`` for none."""
    if not vals:
        return '—'
    if len(vals) == 1:
        return f'{vals[0]:.2f}'
    return f'{statistics.mean(vals):.2f} ± {statistics.stdev(vals):.2f}'
