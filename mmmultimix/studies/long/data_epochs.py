"""The long study's data axis read both ways (``--part data_epochs``):
MultiMix − input mixup against epochs on 1,000 images (the sweep, and the
bf16 reference cell) and on 5,000 images (the ``data`` cell at 200 epochs,
the axes part's 8,000 SGD steps, and at ``SETTINGS['data_epochs']``).

Two comparisons, each named in its verdict: *same SGD steps* (same compute:
5,000 images at 200 epochs against 1,000 at 1,000 epochs) and *same epochs*
(same passes over the data: 5,000 and 1,000 images, both at 1,000 epochs).
Read from the cache alone; lines and cells with no pair are left out.
"""
import os.path as osp

from ..figures import interval_plot
from ..stats import fmt, mean_interval, paired
from .settings import AXES_ROWS, BASE_CHANNELS, CELLS, SETTINGS, axes_epochs

__all__ = ['data_epochs_plan', 'epoch_lines', 'data_epochs_section']

ROWS = ('input_mixup', 'multimix')


def data_epochs_plan(st=SETTINGS):
    """The data cell at ``st['data_epochs']`` epochs: per length (shorter
    first), seed by seed, both rows."""
    return [('data_epochs', r, s, e) for e in sorted(st['data_epochs'])
            for s in st['seeds'] for r in AXES_ROWS]


def _line_key(meta: dict, st: dict):
    """``(images, precision)`` of a record of the two rows at the
    reference width on 1× or 5× the study's images; None otherwise."""
    opts = meta['cfg_options']
    if opts.get('model.backbone.base_channels', BASE_CHANNELS) != \
            BASE_CHANNELS or meta['config'][len('fashion_'):] not in ROWS:
        return None
    npc = opts.get('train_dataloader.dataset.num_per_class')
    if npc not in (st['npc'], st['npc'] * CELLS['data']['npc_x']):
        return None
    return 10 * npc, meta.get('precision', 'fp32')


def epoch_lines(results: dict, st: dict) -> dict:
    """``{device: {(images, precision): {epochs: {row: {seed: record}}}}}``
    of input mixup and MultiMix at the reference width, 1,000 and 5,000
    images, every length cached."""
    out = {}
    for rec in results.values():
        meta = rec.get('meta')
        key = meta and _line_key(meta, st)
        if not key:
            continue
        row = meta['config'][len('fashion_'):]
        out.setdefault(meta['device'], {}).setdefault(key, {}).setdefault(
            meta['epochs'], {}).setdefault(row, {})[meta['seed']] = rec
    return out


def _gaps(cell: dict, seeds) -> dict:
    im, mm = cell.get('input_mixup', {}), cell.get('multimix', {})
    return {s: mm[s]['acc'] - im[s]['acc'] for s in seeds
            if s in im and s in mm}


def _move(lo: float, hi: float) -> str:
    if lo > 0:
        return 'MultiMix draws closer to input mixup with more data'
    if hi < 0:
        return 'MultiMix falls further behind input mixup with more data'
    return 'no change detected, at this power'


def _change(small: dict, large: dict, seeds):
    """Paired change of the gap from ``small`` to ``large`` images."""
    g0, g1 = _gaps(small, seeds), _gaps(large, seeds)
    both = [s for s in seeds if s in g0 and s in g1]
    if len(both) < 2:
        return len(both), None
    return len(both), paired([g1[s] for s in both], [g0[s] for s in both])


def _table(lines: dict, seeds) -> str:
    md = ['| images | precision | epochs | SGD steps | pairs | input mixup | '
          'MultiMix | MultiMix − input mixup (95 % interval) |',
          '|---|---|---|---|---|---|---|---|']
    for (images, prec), by_e in sorted(lines.items()):
        for e, cell in sorted(by_e.items()):
            gaps = _gaps(cell, seeds)
            if not gaps:
                continue
            both = sorted(gaps)
            im = [cell['input_mixup'][s]['acc'] for s in both]
            mm = [cell['multimix'][s]['acc'] for s in both]
            m, lo, hi = mean_interval(list(gaps.values()))
            g = (f'{m:+.2f} [{lo:+.2f}, {hi:+.2f}]' if len(both) > 1 else
                 f'{m:+.2f} (one seed: no interval)')
            steps = next(iter(cell['multimix'].values()))['meta']['steps']
            md.append(f'| {images:,} | {prec} | {e:,} | {steps:,} | '
                      f'{len(both)} | {fmt(im)} | {fmt(mm)} | {g} |')
    return '\n'.join(md)


def _verdicts(lines: dict, st: dict) -> list:
    """The two readings: ``(comparison, what is compared, pairs, change
    or None, verdict)``."""
    seeds = st['seeds']
    small, large = 10 * st['npc'], 10 * st['npc'] * CELLS['data']['npc_x']
    out = []
    # same SGD steps: the axes part's cells (same precision, 8,000 steps)
    e_small, e_large = axes_epochs('ref', st), axes_epochs('data', st)
    precs = sorted({p for (_, p) in lines})
    for prec in precs:
        a = lines.get((small, prec), {}).get(e_small)
        b = lines.get((large, prec), {}).get(e_large)
        if a and b:
            out.append(('same SGD steps (same compute)',
                        f'{large:,} images at {e_large:,} epochs against '
                        f'{small:,} at {e_small:,} ({prec})') +
                       _change(a, b, seeds))
    # same epochs: every length both image counts have, same precision
    # where possible
    for (images, prec), by_e in sorted(lines.items()):
        if images != large:
            continue
        for e in sorted(by_e):
            ref = lines.get((small, prec), {}).get(e)
            ref_prec = prec
            if ref is None:  # the sweep's fp32 runs at that length
                ref_prec = next((p for p in precs
                                 if lines.get((small, p), {}).get(e)), None)
                ref = ref_prec and lines[(small, ref_prec)][e]
            if not ref:
                continue
            what = (f'{large:,} images against {small:,}, both at {e:,} '
                    f'epochs ({prec}' + (f' against {ref_prec})' if
                                         ref_prec != prec else ')'))
            out.append(('same epochs (same passes over the data)', what) +
                       _change(ref, by_e[e], seeds))
    return [(c, w, n, d, '—' if d is None and n == 0 else
             'one seed: no interval' if d is None else _move(d[1], d[2]))
            for c, w, n, d in out]


def _plot(lines: dict, seeds, path: str, title: str) -> bool:
    """MultiMix − input mixup against epochs (log axis), one line per
    image count and precision, 95 % intervals as bars."""
    return interval_plot(
        [(f'{images:,} images ({prec})',
          [(e, list(_gaps(cell, seeds).values()))
           for e, cell in sorted(by_e.items())])
         for (images, prec), by_e in sorted(lines.items())],
        path, title, 'epochs', 'MultiMix − input mixup (points)', zero=True,
        size=(5.4, 3.6))


def data_epochs_section(results: dict, st: dict, out: str = None) -> list:
    """The Markdown of the data axis by epochs and by steps (empty without
    a 5,000-image run beyond the axes part's length); with ``out``, its
    figure ``data_epochs_<device>.png`` there."""
    by_dev = epoch_lines(results, st)
    large = 10 * st['npc'] * CELLS['data']['npc_x']
    extra = {dev for dev, lines in by_dev.items()
             for (images, _), by_e in lines.items() if images == large
             and set(by_e) - {axes_epochs('data', st)}}
    if not extra:
        return []
    md = ['## The data axis by epochs and by SGD steps\n',
          f'Input mixup and MultiMix (1/8 width) on {10 * st["npc"]:,} and '
          f'{large:,} images, paired by seed. The axes part compares the two '
          'image counts at the same SGD steps (same compute: '
          f'{large:,} images see {axes_epochs("data", st)} epochs); here '
          'they are also compared at the same epochs (same passes over the '
          'data). The 1,000-image sweep trains in fp32, the cells of the '
          'axes part in bf16 (the precision part found no difference).\n']
    for device in sorted(extra):
        lines = by_dev[device]
        png = f'data_epochs_{"cpu" if device == "cpu" else "gpu"}.png'
        drawn = out is not None and _plot(
            lines, st['seeds'], osp.join(out, png),
            f'MultiMix − input mixup against epochs ({device})')
        md += [f'### {device}\n', _table(lines, st['seeds']), '']
        if drawn:
            md += [f'![MultiMix − input mixup against epochs]({png})\n']
        md += ['| comparison | what | pairs | change of MultiMix − input '
               'mixup with more data (95 % interval) | verdict |',
               '|---|---|---|---|---|']
        for comp, what, n, d, v in _verdicts(lines, st):
            d = '—' if d is None else f'{d[0]:+.2f} [{d[1]:+.2f}, ' \
                f'{d[2]:+.2f}]'
            md.append(f'| {comp} | {what} | {n} | {d} | {v} |')
        md.append('')
    return md
