"""Report of the long-schedule study (``reproduce.py --study long``): read
from the cache alone (every record is self-describing), written from a
partial cache with the missing cells marked missing. Cells never mix
devices: records are grouped by ``meta.device`` and each device gets its
own tables.

Pure helpers (:func:`cells`, :func:`sweep_rows`, :func:`crossover`,
:func:`claims`) are tested on synthetic records in
``tests/test_study_long.py``; :mod:`.long_study` runs the plan and calls
:func:`write_report`.
"""
import os.path as osp
import statistics

from .long_plan import (BASE_CHANNELS, BASELINE_ROWS, CELLS, NAMES,
                        PRECISION_ROWS, axes_epochs)
from .figures import interval_plot
from .long_epochs import data_epochs_section
from .long_plan import steps as schedule_steps
from .records import ROOT
from .stats import fmt, mean_interval, paired, verdict

ROWS_ORDER = ('baseline', 'input_mixup', 'manifold_mixup', 'cutmix',
              'multimix', 'dense', 'distil', 'dense_distil',
              'input_mixup_distil', 'alignmixup', 'zeta_mixup', 'puzzlemix',
              'saliencymix')
# (claim, metric, better, row A, row B): A beats B at the long schedule
CLAIMS = (
    ('MultiMix > input mixup', 'acc', 'higher', 'multimix', 'input_mixup'),
    ('+ dense + distil > MultiMix', 'acc', 'higher', 'dense_distil',
     'multimix'),
    ('+ dense + distil > input mixup', 'acc', 'higher', 'dense_distil',
     'input_mixup'),
    ('input mixup + distil > input mixup (Table 9)', 'acc', 'higher',
     'input_mixup_distil', 'input_mixup'),
    ('+ dense + distil > input mixup + distil', 'acc', 'higher',
     'dense_distil', 'input_mixup_distil'),
    ('+ dense > MultiMix', 'acc', 'higher', 'dense', 'multimix'),
    ('+ distil > MultiMix', 'acc', 'higher', 'distil', 'multimix'),
    ('MultiMix: lower FGSM error than input mixup', 'fgsm', 'lower',
     'multimix', 'input_mixup'),
    ('MultiMix: lower PGD error than input mixup', 'pgd', 'lower',
     'multimix', 'input_mixup'),
    ('+ dense + distil: lower FGSM error than input mixup', 'fgsm', 'lower',
     'dense_distil', 'input_mixup'),
    ('+ dense + distil: lower PGD error than input mixup', 'pgd', 'lower',
     'dense_distil', 'input_mixup'),
    ('MultiMix: lower ECE than input mixup', 'ece', 'lower', 'multimix',
     'input_mixup'),
) + tuple(
    # Table 1: MultiMix beats the other mixup methods and the baselines
    (f'MultiMix > {NAMES[row]}', 'acc', 'higher', 'multimix', row)
    for row in ('baseline', 'manifold_mixup', 'cutmix') + BASELINE_ROWS)


def row_of(meta: dict, family: str = 'fashion') -> str:
    return meta['config'][len(family) + 1:]


def precision(meta: dict) -> str:
    """A record's precision (records from before the setting: fp32)."""
    return meta.get('precision', 'fp32')


def cells(results: dict, npc: int, prec: str = 'fp32') -> dict:
    """``{device: {(row, epochs): {seed: record}}}`` of the study's records
    (those on ``npc`` images per class at the reference width and in
    precision ``prec``: the wider cells of the axes part and the runs of
    another precision are cells of their own)."""
    out = {}
    for rec in results.values():
        meta = rec.get('meta')
        if not meta or meta['cfg_options'].get(
                'train_dataloader.dataset.num_per_class') != npc or \
                'model.backbone.base_channels' in meta['cfg_options'] or \
                precision(meta) != prec:
            continue
        dev = out.setdefault(meta['device'], {})
        dev.setdefault((row_of(meta), meta['epochs']), {})[meta['seed']] = rec
    return out


def _steps(cell: dict) -> int:
    return next(iter(cell.values()))['meta']['steps']


def sweep_rows(dev_cells: dict, schedules, seeds, steps_of=None):
    """Per schedule: ``(epochs, steps, im, mm, diff, pairs)`` with the
    accuracy lists of each row, the paired ``(mean, lo, hi)`` over the seeds
    both rows have (None without a common seed) and their number.
    ``steps_of(epochs)`` gives the steps of a schedule without a run."""
    out = []
    for e in schedules:
        im = dev_cells.get(('input_mixup', e), {})
        mm = dev_cells.get(('multimix', e), {})
        common = [s for s in seeds if s in im and s in mm]
        a = [mm[s]['acc'] for s in common]
        b = [im[s]['acc'] for s in common]
        steps = _steps(im or mm) if (im or mm) else (
            steps_of(e) if steps_of else None)
        out.append((e, steps, [im[s]['acc'] for s in seeds if s in im],
                    [mm[s]['acc'] for s in seeds if s in mm],
                    paired(a, b) if common else None, len(common)))
    return out


def crossover(rows, min_pairs: int = 2):
    """The shortest schedule whose paired interval of MultiMix − input
    mixup lies above 0: ``(epochs, steps)``; None when not reached.
    Schedules with fewer than ``min_pairs`` paired seeds do not count."""
    for e, steps, _, _, diff, n in rows:
        if diff is not None and n >= min_pairs and diff[1] > 0:
            return e, steps
    return None


def claims(dev_cells: dict, epochs: int, seeds):
    """``[(claim, n pairs, mean, lo, hi, verdict)]`` at ``epochs``, over the
    seeds both rows have (claims with no pair are left out)."""
    out = []
    for claim, metric, better, a, b in CLAIMS:
        ca, cb = dev_cells.get((a, epochs), {}), dev_cells.get((b, epochs), {})
        common = [s for s in seeds if s in ca and s in cb
                  and metric in ca[s] and metric in cb[s]]
        if not common:
            continue
        va = [ca[s][metric] for s in common]
        vb = [cb[s][metric] for s in common]
        mean, lo, hi = paired(va, vb) if better == 'higher' else \
            paired(vb, va)
        v = verdict(lo, hi) if len(common) > 1 else 'one seed: no interval'
        out.append((claim, len(common), mean, lo, hi, v))
    return out


def _missing(n: int, total: int) -> str:
    return f' ({n}/{total} seeds)' if n < total else ''


def sweep_table(rows, seeds) -> str:
    md = ['| epochs (SGD steps) | input mixup | MultiMix | MultiMix − input '
          'mixup (95 % interval) | verdict |', '|---|---|---|---|---|']
    for e, steps, im, mm, diff, n in rows:
        cell_im = fmt(im) + _missing(len(im), len(seeds)) if im else 'missing'
        cell_mm = fmt(mm) + _missing(len(mm), len(seeds)) if mm else 'missing'
        if diff is None:
            d, v = 'missing', '—'
        elif n == 1:
            d, v = f'{diff[0]:+.2f} (one seed)', '—'
        else:
            d = f'{diff[0]:+.2f} [{diff[1]:+.2f}, {diff[2]:+.2f}] ({n} pairs)'
            v = verdict(diff[1], diff[2])
        st = steps if steps is not None else '?'
        md.append(f'| {e} ({st}) | {cell_im} | {cell_mm} | {d} | {v} |')
    return '\n'.join(md)


def long_table(dev_cells: dict, epochs: int, seeds) -> str:
    keys = ('acc', 'val_acc', 'fgsm', 'pgd', 'ece')
    md = ['| row | test top-1 | val top-1 | FGSM err (8/255) | PGD err '
          '(4/255) | ECE | seeds |', '|---|---|---|---|---|---|---|']
    for row in ROWS_ORDER:
        cell = dev_cells.get((row, epochs))
        if not cell:
            continue
        recs = [cell[s] for s in seeds if s in cell]
        md.append(f'| {NAMES[row]} | ' + ' | '.join(
            fmt([r[k] for r in recs if k in r]) for k in keys) +
            f' | {len(recs)} |')
    return '\n'.join(md)


def claims_table(rows) -> str:
    md = ['| claim | pairs | difference in its favour | 95 % interval | '
          'verdict |', '|---|---|---|---|---|']
    for claim, n, mean, lo, hi, v in rows:
        ci = f'[{lo:+.2f}, {hi:+.2f}]' if n > 1 else '—'
        md.append(f'| {claim} | {n} | {mean:+.2f} | {ci} | {v} |')
    return '\n'.join(md)


def best_other_row(dev_cells: dict, epochs: int, seeds):
    """The row (not input mixup or MultiMix) with the best mean test
    accuracy at ``epochs`` among those with 2 seeds or more (any row when
    none has 2); None when there is none."""
    cand = {}
    for (row, e), cell in dev_cells.items():
        if e != epochs or row in ('input_mixup', 'multimix'):
            continue
        accs = [cell[s]['acc'] for s in seeds if s in cell]
        if accs:
            cand[row] = accs
    if any(len(a) > 1 for a in cand.values()):
        cand = {r: a for r, a in cand.items() if len(a) > 1}
    return max(cand, key=lambda r: statistics.mean(cand[r]), default=None)


def plot(dev_cells: dict, st: dict, path: str, title: str) -> bool:
    """Test accuracy vs SGD steps (log axis) with 95 % intervals of the
    mean: input mixup, MultiMix, and the best other row."""
    seeds = st['seeds']
    schedules = sorted(set(st['sweep']) | {st['long'], st['longest']})
    other = best_other_row(dev_cells, st['long'], seeds)
    lines = []
    for row in ('input_mixup', 'multimix') + ((other, ) if other else ()):
        cells_ = [dev_cells.get((row, e), {}) for e in schedules]
        lines.append((NAMES[row], [
            (_steps(cell), [cell[s]['acc'] for s in seeds if s in cell])
            for cell in cells_ if cell]))
    return interval_plot(lines, path, title, 'SGD steps (m = 128)',
                         'test top-1 (%)', size=(5.2, 3.6))


def answer(rows, dev_cells, st) -> str:
    """The plain-words lead: crossover, what the variants add."""
    cross = crossover(rows)
    measured = [r for r in rows if r[4] is not None]
    longest = max((r[1] for r in measured if r[1]), default=None)
    if cross is not None:
        lead = (f'MultiMix overtakes input mixup from {cross[1]:,} SGD steps '
                f'({cross[0]} epochs) on: the paired 95 % interval of '
                'MultiMix − input mixup lies above 0 there.')
    elif longest:
        pairs = max(r[5] for r in measured if r[1] == longest)
        lead = ('MultiMix has not overtaken input mixup within '
                f'{longest:,} SGD steps (the longest schedule measured so '
                f'far, {pairs} paired seed(s) there): no schedule has a '
                'paired 95 % interval of MultiMix − input mixup above 0 over '
                'at least 2 seeds.')
    else:
        lead = 'No schedule is measured yet.'
    parts = [lead]
    for claim, n, mean, lo, hi, v in claims(dev_cells, st['long'],
                                             st['seeds']):
        if claim.startswith(('+ dense + distil > MultiMix',
                             'input mixup + distil')):
            parts.append(f'At {st["long"]} epochs, "{claim}": {mean:+.2f} '
                         f'points over {n} seed(s), {v}.')
    return ' '.join(parts)


def precision_rows(results: dict, st: dict):
    """Per device and row of the precision part: ``(device, row, pairs,
    fp32 accs, bf16 accs, (mean, lo, hi) of bf16 − fp32, ms per step fp32,
    bf16)``, paired over the seeds both precisions have."""
    epochs = max(1, st['precision_steps'] // schedule_steps(1, st))
    fp32, bf16 = cells(results, st['npc']), cells(results, st['npc'], 'bf16')
    out = []
    for device in sorted(set(fp32) | set(bf16)):
        for row in PRECISION_ROWS:
            a = fp32.get(device, {}).get((row, epochs), {})
            b = bf16.get(device, {}).get((row, epochs), {})
            seeds = [s for s in st['seeds'] if s in a and s in b]
            acc_a = [a[s]['acc'] for s in seeds]
            acc_b = [b[s]['acc'] for s in seeds]
            diff = paired(acc_b, acc_a) if seeds else None

            # step times only from pairs timed on the same CPU (records
            # from before the ``cpu`` field state none: not compared)
            timed = [s for s in seeds if a[s]['meta'].get('cpu') and
                     a[s]['meta'].get('cpu') == b[s]['meta'].get('cpu')]

            def ms(cell):
                v = [1000 * cell[s]['meta']['train_s'] /
                     cell[s]['meta']['steps'] for s in timed]
                return statistics.mean(v) if v else None
            out.append((device, row, len(seeds), acc_a, acc_b, diff, ms(a),
                        ms(b)))
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
        if not meta or precision(meta) != prec:
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
    precs = sorted({precision(r['meta']) for r in results.values()
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


def precision_table(rows) -> str:
    """The precision evidence: every difference with its interval, a
    verdict, and the measured step times."""
    md = ['| device | row | pairs | fp32 top-1 | bf16 top-1 | bf16 − fp32 '
          '(95 % interval) | verdict | ms / step fp32 → bf16 |',
          '|---|---|---|---|---|---|---|---|']
    for device, row, n, a, b, diff, ms_a, ms_b in rows:
        if diff is None:
            md.append(f'| {device} | {NAMES[row]} | 0 | {fmt(a)} | {fmt(b)} '
                      '| missing | — | — |')
            continue
        mean, lo, hi = diff
        if n < 2:
            interval, v = '—', 'one seed: no interval'
        else:
            interval = f'[{lo:+.2f}, {hi:+.2f}]'
            v = ('bf16 higher' if lo > 0 else 'bf16 lower' if hi < 0 else
                 'no difference detected')
        speed = (f'{ms_a:.0f} → {ms_b:.0f} ({ms_a / ms_b:.2f}×)'
                 if ms_a and ms_b else '—')
        md.append(f'| {device} | {NAMES[row]} | {n} | {fmt(a)} | {fmt(b)} | '
                  f'{mean:+.2f} {interval} | {v} | {speed} |')
    return '\n'.join(md)


def _config_settings() -> str:
    """The paper's settings as the family's configs hold them."""
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'demo', 'fashion_multimix.py'))
    gamma = Config.fromfile(osp.join(
        ROOT, 'configs', 'demo', 'fashion_dense_distil.py')).model.distill
    mix, opt = cfg.model.mixer, cfg.optim_wrapper.optimizer
    crop = cfg.train_dataloader.collate_fn
    lo, hi = mix.alpha
    return (f'{cfg.train_dataloader.batch_size}, {mix.n}, U[{lo}, {hi}], '
            f'{mix.prob}, {gamma.gamma}, {opt.lr}, {opt.momentum}, '
            f'{opt.weight_decay:g}, random crop {crop.crop_size} (padding '
            f'{crop.padding}) + flip ({crop.flip_prob})')


def settings_table(st: dict) -> str:
    """What every run of the study shares, from the study's settings."""
    sched = ', '.join(f'{e} ({schedule_steps(e, st):,})'
                      for e in st['sweep'])
    m = st['distil_momentum']
    rows = [
        ('training images', f'{10 * st["npc"]} ({st["npc"]} per class, the '
         'seeded nested subset of the 55,000 training split)', 'fixed'),
        ('schedules, epochs (SGD steps)', f'sweep {sched}; other rows '
         f'{st["long"]} ({schedule_steps(st["long"], st):,}); beyond '
         f'{st["longest"]} ({schedule_steps(st["longest"], st):,})',
         'fixed'),
        ('learning-rate schedule', 'step: lr / 10 at 1/2 and 3/4 of each '
         'length', 'scaled to each length'),
        ('seeds', f'{len(st["seeds"])} for the sweep, '
         f'{st["best_seeds"]} required for the best rows', 'fixed'),
        ('EMA momentum of the teachers (distil rows)', f'{m} (decay '
         f'{1 - m:g})', "the paper's, at this length"),
        ('m, n, α, p, γ, lr, momentum, weight decay, augmentation',
         _config_settings(), "the paper's (read from `configs/demo/"
         'fashion_multimix.py`, `fashion_dense_distil.py`)'),
        ('FGSM / PGD', f'on the first {st["robust_n"]} test images',
         'fixed'),
        ('precision', f'{st.get("precision", "fp32")} (every run but the '
         'precision part\'s, which trains each row in fp32 and bf16 at '
         f'{st["precision_steps"]:,} steps); the interpolation maths in '
         'fp32 always', 'recorded per run (`meta.precision`)'),
        ('test set', 'the official 10,000 images: reported, never used to '
         'choose', '—'),
    ]
    md = ['| setting | value | how |', '|---|---|---|']
    md += [f'| {a} | {b} | {c} |' for a, b, c in rows]
    return '\n'.join(md)


def write_report(results: dict, st: dict, out: str) -> str:
    """``<out>/long.md`` (and ``long_<device>.png``) from the cache."""
    by_dev = cells(results, st['npc'])
    md = ['# Long schedules on Fashion-MNIST: does MultiMix overtake input '
          'mixup?\n']
    md += ['## Settings\n', settings_table(st), '']
    if not by_dev:
        md.append('No run of this study is cached yet.\n')
    for device in sorted(by_dev):
        dev_cells = by_dev[device]
        rows = sweep_rows(dev_cells, sorted(set(st['sweep']) |
                                            {st['longest']}), st['seeds'],
                          lambda e: schedule_steps(e, st))
        tag = 'cpu' if device == 'cpu' else 'gpu'
        png = f'long_{tag}.png'
        drawn = plot(dev_cells, st, osp.join(out, png),
                     f'Fashion-MNIST, {10 * st["npc"]} images ({device})')
        md += [f'## Runs on {device}\n', '**Answer so far.** ' +
               answer(rows, dev_cells, st) + '\n',
               f'### Accuracy versus schedule length ({10 * st["npc"]} '
               'images, 5 seeds planned)\n', sweep_table(rows, st['seeds']),
               '']
        if drawn:
            md += [f'![test accuracy vs SGD steps]({png})\n']
        md += [f'### Every row at {st["long"]} epochs\n',
               long_table(dev_cells, st['long'], st['seeds']), '',
               f'### Paper claims at {st["long"]} epochs (paired over the '
               'seeds both rows have)\n',
               claims_table(claims(dev_cells, st['long'], st['seeds'])), '']
    md += axes_section(results, st, out)
    md += data_epochs_section(results, st, out)
    prows = precision_rows(results, st)
    if any(r[2] for r in prows):
        md += ['## Precision: bf16 against fp32 (paired by seed, '
               f'{st["precision_steps"]:,} SGD steps, '
               f'{10 * st["npc"]} images)\n',
               'Each row trained in fp32 and in bf16 (`model.precision`) '
               'with the same seeds and the same data order; the step '
               'times are the runs\' own (training wall time over SGD '
               'steps, one thread, beside other work), over the pairs timed '
               'on the same CPU only (`meta.cpu`).\n',
               precision_table(prows), '']
    text = '\n'.join(md)
    with open(osp.join(out, 'long.md'), 'w') as f:
        f.write(text)
    print(text)
    return text
