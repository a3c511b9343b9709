"""The long study's axes part (``--part axes``): input mixup and MultiMix
at ``SETTINGS['axes_steps']`` SGD steps in cells toward the paper's regime
(wider, more data, both), paired by seed, each beside the reference cell."""
import os.path as osp

from ..records import record_precision, row_of
from ..stats import fmt, mean_interval, paired
from .settings import (AXES_ROWS, BASE_CHANNELS, CELLS, SETTINGS,
                       axes_epochs)


def axes_plan(st=SETTINGS):
    """The axes part, seed by seed: each seed's reference, width, data (and
    width_data for the first ``width_data_seeds`` seeds) pairs."""
    out = []
    for i, s in enumerate(st['seeds']):
        groups = ['width', 'data', 'ref']
        if i < st['width_data_seeds']:
            groups.insert(0, 'width_data')
        out += [(g, r, s, axes_epochs(g, st)) for g in groups
                for r in AXES_ROWS]
    return out


# the paper's regime (CIFAR-100, R-18): embedding, images per class, classes
PAPER_REGIME = dict(embedding=512, npc=500, classes=100,
                    gap='+2.43 (MultiMix 81.82 vs input mixup 79.39, '
                        'Table 1)')


AXES = (('width', 'ref', 'width'), ('data', 'ref', 'data'),
        ('width and data', 'ref', 'width_data'))


def axes_cells(results: dict, st: dict, prec: str) -> dict:
    """``{device: {cell: {row: {seed: record}}}}`` of the axes part's
    cells at ``st['axes_steps']`` steps in precision ``prec``."""
    out = {}
    for rec in results.values():
        meta = rec.get('meta')
        if not meta or record_precision(meta) != prec:
            continue
        opts = meta['cfg_options']
        base = opts.get('model.backbone.base_channels', BASE_CHANNELS)
        npc = opts.get('train_dataloader.dataset.num_per_class')
        row = row_of(meta)
        for cell, spec in CELLS.items():
            if (base, npc) == (spec['base'], st['npc'] * spec['npc_x']) \
                    and meta['epochs'] == axes_epochs(cell, st):
                out.setdefault(meta['device'], {}).setdefault(
                    cell, {}).setdefault(row, {})[meta['seed']] = rec
    return out


def _gap(cell: dict, seeds):
    """Seeds with both rows and MultiMix − input mixup per seed."""
    im, mm = cell.get('input_mixup', {}), cell.get('multimix', {})
    both = [s for s in seeds if s in im and s in mm]
    return both, {s: mm[s]['acc'] - im[s]['acc'] for s in both}


def axes_table(dev: dict, st: dict) -> str:
    """Per cell: width, images, pairs, both rows, the gap with its
    interval, core-hours."""
    md = ['| cell | embedding | images | pairs | input mixup | MultiMix | '
          'MultiMix − input mixup (95 % interval) | core-hours |',
          '|---|---|---|---|---|---|---|---|']
    for cell, spec in CELLS.items():
        c = dev.get(cell, {})
        both, gap = _gap(c, st['seeds'])
        im = [c['input_mixup'][s]['acc'] for s in both]
        mm = [c['multimix'][s]['acc'] for s in both]
        hours = sum(r['meta']['wall_s'] for rows in c.values()
                    for r in rows.values()) / 3600
        if len(both) >= 2:
            m, lo, hi = mean_interval(list(gap.values()))
            g = f'{m:+.2f} [{lo:+.2f}, {hi:+.2f}]'
        elif both:
            g = f'{gap[both[0]]:+.2f} (one seed: no interval)'
        else:
            g = 'missing'
        md.append(f'| {cell} | {8 * spec["base"]} | '
                  f'{10 * st["npc"] * spec["npc_x"]:,} | {len(both)} | '
                  f'{fmt(im)} | {fmt(mm)} | {g} | {hours:.1f} |')
    return '\n'.join(md)


def axes_verdicts(dev: dict, st: dict):
    """Per axis: ``(axis, pairs, (mean, lo, hi) or None, verdict)`` of the
    change of the gap from the reference cell, paired by seed."""
    out = []
    for axis, ref, cell in AXES:
        _, g0 = _gap(dev.get(ref, {}), st['seeds'])
        _, g1 = _gap(dev.get(cell, {}), st['seeds'])
        seeds = [s for s in st['seeds'] if s in g0 and s in g1]
        if len(seeds) < 2:
            out.append((axis, len(seeds), None, 'not measured yet' if not
                        seeds else 'one seed: no interval'))
            continue
        m, lo, hi = paired([g1[s] for s in seeds], [g0[s] for s in seeds])
        v = ('MultiMix gains on input mixup' if lo > 0 else
             'MultiMix falls further behind input mixup' if hi < 0 else
             'no change detected, at this power') + \
            f' (same SGD steps, {st["axes_steps"]:,})'
        out.append((axis, len(seeds), (m, lo, hi), v))
    return out


def axes_plot(dev: dict, st: dict, path: str, title: str) -> bool:
    """MultiMix − input mixup per cell with its 95 % interval (one seed:
    the point alone), the reference dashed at its level."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    xs, ys, lo, hi, labels = [], [], [], [], []
    for i, (cell, spec) in enumerate(CELLS.items()):
        _, gap = _gap(dev.get(cell, {}), st['seeds'])
        if not gap:
            continue
        m, a, b = mean_interval(list(gap.values()))
        xs.append(i)
        ys.append(m)
        lo.append(m - a)
        hi.append(b - m)
        labels.append(f'{cell}\n{8 * spec["base"]}-d, '
                      f'{10 * st["npc"] * spec["npc_x"]:,} img')
    if len(xs) < 2:
        return False
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    ax.errorbar(xs, ys, yerr=[lo, hi], fmt='o', capsize=4)
    ax.axhline(0, color='grey', lw=0.8)
    ax.set_xticks(xs)
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel('MultiMix − input mixup (points)')
    ax.set_title(title, fontsize=9)
    ax.grid(True, axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def axes_section(results: dict, st: dict, out: str = None) -> list:
    """The axes part's Markdown (empty without a run of it); with
    ``out``, its figure ``axes_<device>.png`` there."""
    md = []
    precs = sorted({record_precision(r['meta']) for r in results.values()
                    if r.get('meta')}, key=lambda p: p != 'fp32')
    for prec in precs:
        md += _axes_section(results, st, prec, out)
    return md


def _axes_section(results: dict, st: dict, prec: str, out: str) -> list:
    by_dev = axes_cells(results, st, prec)
    if not any(c != 'ref' for dev in by_dev.values() for c in dev):
        return []
    md = [f'## Toward the paper\'s regime: width and data '
          f'({st["axes_steps"]:,} SGD steps, {prec})\n',
          'Each cell trains input mixup and MultiMix on the same seeds; '
          'the reference cell is the sweep\'s 1/8-width, '
          f'{10 * st["npc"]:,}-image runs at that length and precision. '
          f'The paper (CIFAR-100, R-18: a {PAPER_REGIME["embedding"]}-d '
          f'embedding, {PAPER_REGIME["npc"]} images per class, '
          f'{PAPER_REGIME["classes"]} classes, 2000 epochs) reports '
          f'MultiMix − input mixup {PAPER_REGIME["gap"]}.\n']
    for device in sorted(by_dev):
        dev = by_dev[device]
        png = f'axes_{"cpu" if device == "cpu" else "gpu"}_{prec}.png'
        drawn = out is not None and axes_plot(
            dev, st, osp.join(out, png),
            f'gap per cell, {st["axes_steps"]:,} steps ({device})')
        md += [f'### {device}\n', axes_table(dev, st), '']
        if drawn:
            md += [f'![MultiMix − input mixup per cell]({png})\n']
        md += ['| axis | pairs | change of the gap from the reference '
               '(95 % interval) | verdict |', '|---|---|---|---|']
        for axis, n, d, v in axes_verdicts(dev, st):
            d = '—' if d is None else f'{d[0]:+.2f} [{d[1]:+.2f}, ' \
                f'{d[2]:+.2f}]'
            md.append(f'| {axis} | {n} | {d} | {v} |')
        md.append('')
    return md
