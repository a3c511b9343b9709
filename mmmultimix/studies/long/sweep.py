"""The long study's sweep and long rows (the ``required`` and ``more``
parts): input mixup and MultiMix against schedule length, every row at the
long schedule, the paper's claims there. Pure helpers (:func:`sweep_rows`,
:func:`crossover`, :func:`claims`) are tested on synthetic records in
``tests/test_study_long.py``."""
import statistics

from ..figures import interval_plot
from ..markdown import claims_table, missing
from ..names import NAMES
from ..stats import fmt, paired, verdict
from .settings import (BASELINE_ROWS, BEST_ROWS, OTHER_ROWS, SETTINGS,
                       SWEEP_ROWS, config_exists)
from .settings import steps as schedule_steps


def sweep_plan(st=SETTINGS, more: bool = False):
    """The required part's entries (``sweep`` and ``best``), seed by seed,
    then, with ``more``, the ``more`` group's."""
    out = []
    for s in st['seeds']:
        for e in sorted(st['sweep'], reverse=True):
            out += [('sweep', r, s, e) for r in SWEEP_ROWS]
        if s in st['seeds'][:st['best_seeds']]:
            out += [('best', r, s, st['long']) for r in BEST_ROWS]
    if not more:
        return out
    for s in st['seeds']:
        if s not in st['seeds'][:st['best_seeds']]:
            out += [('more', r, s, st['long']) for r in BEST_ROWS]
        rows = OTHER_ROWS + tuple(r for r in BASELINE_ROWS
                                  if config_exists(r))
        out += [('more', r, s, st['long']) for r in rows]
        out += [('more', r, s, st['longest']) for r in SWEEP_ROWS]
    return out


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


def sweep_table(rows, seeds) -> str:
    md = ['| epochs (SGD steps) | input mixup | MultiMix | MultiMix − input '
          'mixup (95 % interval) | verdict |', '|---|---|---|---|---|']
    for e, steps, im, mm, diff, n in rows:
        cell_im = fmt(im) + missing(len(im), len(seeds)) if im else 'missing'
        cell_mm = fmt(mm) + missing(len(mm), len(seeds)) if mm else 'missing'
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


def sweep_section(dev_cells: dict, st: dict, device: str, png: str,
                  drawn: bool) -> list:
    """The Markdown of one device's sweep and long rows."""
    rows = sweep_rows(dev_cells, sorted(set(st['sweep']) | {st['longest']}),
                      st['seeds'], lambda e: schedule_steps(e, st))
    md = [f'## Runs on {device}\n', '**Answer so far.** ' +
          answer(rows, dev_cells, st) + '\n',
          f'### Accuracy versus schedule length ({10 * st["npc"]} '
          'images, 5 seeds planned)\n', sweep_table(rows, st['seeds']), '']
    if drawn:
        md += [f'![test accuracy vs SGD steps]({png})\n']
    md += [f'### Every row at {st["long"]} epochs\n',
           long_table(dev_cells, st['long'], st['seeds']), '',
           f'### Paper claims at {st["long"]} epochs (paired over the '
           'seeds both rows have)\n',
           claims_table(claims(dev_cells, st['long'], st['seeds'])), '']
    return md
