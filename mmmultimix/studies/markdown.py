"""Markdown helpers the studies' reports share."""
from .stats import fmt

__all__ = ['claims_table', 'missing', 'accuracy_table']


def missing(n: int, total: int) -> str:
    """`` (n/total seeds)`` when a cell lacks seeds, else nothing."""
    return f' ({n}/{total} seeds)' if n < total else ''


def claims_table(rows, pairs: bool = True) -> str:
    """``rows``: ``(claim, n pairs, mean, lo, hi, verdict)``; the interval
    only over 2 pairs or more. ``pairs=False``: no pairs column (every
    claim paired over the same seeds)."""
    if pairs:
        md = ['| claim | pairs | difference in its favour | 95 % interval | '
              'verdict |', '|---|---|---|---|---|']
    else:
        md = ['| claim | paired difference (in its favour) | 95 % interval '
              '| verdict |', '|---|---|---|---|']
    for claim, n, mean, lo, hi, v in rows:
        ci = f'[{lo:+.2f}, {hi:+.2f}]' if n > 1 else '—'
        md.append(f'| {claim} | ' + (f'{n} | ' if pairs else '') +
                  f'{mean:+.2f} | {ci} | {v} |')
    return '\n'.join(md)


def accuracy_table(rows, head: str = 'method') -> str:
    """``rows``: ``(name, top-1 accuracies over seeds)``; one line each,
    mean ± std and the number of seeds."""
    md = [f'| {head} | top-1 (%) mean ± std | seeds |', '|---|---|---|']
    md += [f'| {name} | {fmt(accs)} | {len(accs)} |' for name, accs in rows]
    return '\n'.join(md)
