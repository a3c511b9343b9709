"""The Fashion-MNIST study of ``reproduce.py --study fashion``: where does
MultiMix help? Regimes, the val-split choice of the schedule, paired
differences with 95 % intervals and a verdict per paper claim.

Regimes (CPU-sized family ``configs/demo/fashion_*``, 5 seeds each):

* ``sweep``: accuracy versus schedule length for input mixup and MultiMix
  on the low-data subset (``SETTINGS['low']`` images per class,
  ``SETTINGS['sweep']`` epochs);
* ``low``: all eight rows on the low-data subset at the schedule the sweep
  chose on the **val split** (the best mean val accuracy of input mixup and
  MultiMix together, so that neither is favoured) among the sweep's
  schedules of at most ``SETTINGS['low_max_epochs']`` epochs (what 2 cores
  allow for eight rows × five seeds);
* ``large``: all eight rows on ``SETTINGS['large']`` images per class for
  ``SETTINGS['large_epochs']`` epochs (five times the data, about as many
  SGD steps as the low-data regime).

Pure helpers (paired statistics, verdicts, the schedule choice) are tested
in ``tests/test_study_fashion.py``.
"""
import os.path as osp
import statistics
import time

from .engine import execute
from .markdown import claims_table
from .names import NAMES
from .records import Job, load_cache
from .stats import fmt, paired, t975, verdict  # noqa: F401

ROWS = ('baseline', 'input_mixup', 'manifold_mixup', 'cutmix', 'multimix',
        'dense', 'distil', 'dense_distil')
FAMILY = 'fashion'
# the study's settings (``--smoke`` shrinks them)
SETTINGS = dict(
    low=50,  # images per class: 500 training images
    sweep=(25, 50, 100, 200),  # epochs (4 steps each at m = 128)
    low_max_epochs=50,  # the low-data regime's schedule: <= 50 epochs
    large=250,  # images per class: 2,500 training images
    large_epochs=5,  # 20 steps each: 100 steps, as many as 25 low epochs
    robust_n=500)  # FGSM / PGD on the first 500 test images
SMOKE = dict(low=2, sweep=(1, 2), low_max_epochs=2, large=3, large_epochs=1,
             robust_n=8)


def choose_epochs(val_accs: dict) -> int:
    """The schedule the study uses in the low-data regime: the epochs with
    the best mean val accuracy, ``val_accs = {epochs: [val accuracies of
    input mixup and MultiMix over the seeds]}``; ties take the shorter
    schedule."""
    if not val_accs or not all(val_accs.values()):
        raise ValueError('choose_epochs needs val accuracies for every '
                         'schedule')
    return max(sorted(val_accs),
               key=lambda e: (statistics.mean(val_accs[e]), -e))


def job(row, seed, npc, epochs, robust_n=0, val=False) -> Job:
    """One run of the study: ``row`` with ``npc`` images per class."""
    return Job(f'{FAMILY}_{row}',
               {'train_dataloader.dataset.num_per_class': npc}, seed, epochs,
               robust_n, val)


def _cost(job: Job) -> int:
    """Training length of a job: epochs × images per class."""
    return job.epochs * job.cfg_options[
        'train_dataloader.dataset.num_per_class']


def sweep_jobs(st, seeds):
    """Schedules the low-data regime may take get the full evaluation, so
    that its input mixup and MultiMix rows are these very runs."""
    return {(row, e, s): job(row, s, st['low'], e,
                             st['robust_n'] if e <= st['low_max_epochs']
                             else 0, True)
            for row in ('input_mixup', 'multimix') for e in st['sweep']
            for s in seeds}


def low_jobs(st, seeds, epochs):
    return {(row, s): job(row, s, st['low'], epochs, st['robust_n'], True)
            for row in ROWS for s in seeds}


def large_jobs(st, seeds):
    return {(row, s): job(row, s, st['large'], st['large_epochs'],
                          st['robust_n']) for row in ROWS for s in seeds}


# (claim, metric, better-is, row A, row B): A beats B
CLAIMS = (
    ('MultiMix > input mixup', 'acc', 'higher', 'multimix', 'input_mixup'),
    ('+dense > MultiMix', 'acc', 'higher', 'dense', 'multimix'),
    ('+distil > MultiMix', 'acc', 'higher', 'distil', 'multimix'),
    ('+dense+distil > +dense', 'acc', 'higher', 'dense_distil', 'dense'),
    ('+dense+distil > +distil', 'acc', 'higher', 'dense_distil', 'distil'),
    ('+dense+distil > input mixup', 'acc', 'higher', 'dense_distil',
     'input_mixup'),
    ('MultiMix: lower FGSM error than input mixup', 'fgsm', 'lower',
     'multimix', 'input_mixup'),
    ('MultiMix: lower PGD error than input mixup', 'pgd', 'lower',
     'multimix', 'input_mixup'),
    ('+dense+distil: lower FGSM error than input mixup', 'fgsm', 'lower',
     'dense_distil', 'input_mixup'),
    ('+dense+distil: lower PGD error than input mixup', 'pgd', 'lower',
     'dense_distil', 'input_mixup'),
    ('MultiMix: lower ECE than input mixup', 'ece', 'lower', 'multimix',
     'input_mixup'),
)


def _claims(results: dict, seeds) -> str:
    """The claims of a regime as a table (every claim paired over all
    the seeds)."""
    return claims_table([(c, len(seeds), m, lo, hi, v)
                         for c, m, lo, hi, v in claim_rows(results, seeds)],
                        pairs=False)


def best_row(results: dict, seeds) -> str:
    """The row with the highest mean test accuracy."""
    return max(ROWS, key=lambda r: statistics.mean(
        results[(r, s)]['acc'] for s in seeds))


def claim_rows(results: dict, seeds) -> list:
    """``[(claim, mean, lo, hi, verdict)]``: the paired difference in the
    claim's favour (accuracy A − B; error or ECE B − A) over ``seeds``.
    ``results[(row, seed)]`` holds one run's metrics."""
    out = []
    for claim, metric, better, a, b in CLAIMS:
        va = [results[(a, s)][metric] for s in seeds]
        vb = [results[(b, s)][metric] for s in seeds]
        mean, lo, hi = paired(va, vb) if better == 'higher' else \
            paired(vb, va)
        out.append((claim, mean, lo, hi, verdict(lo, hi)))
    top = best_row(results, seeds)
    pairs = []
    for r in ROWS:
        if r != 'dense_distil':
            pairs.append((r, ) + paired(
                [results[('dense_distil', s)]['acc'] for s in seeds],
                [results[(r, s)]['acc'] for s in seeds]))
    weakest = min(pairs, key=lambda p: p[2])  # smallest lower bound
    beaten = min(pairs, key=lambda p: p[3])  # smallest upper bound
    if weakest[2] > 0:
        v, (r, mean, lo, hi) = 'holds', weakest
    elif beaten[3] < 0:
        v, (r, mean, lo, hi) = 'does not hold', beaten
    else:
        v, (r, mean, lo, hi) = 'cannot tell at this power', weakest
    out.append((f'+dense+distil best (vs {NAMES[r]}; best mean: '
                f'{NAMES[top]})', mean, lo, hi, v))
    return out


def regime_table(results: dict, seeds, val=False) -> str:
    """Markdown table: one line per row, mean ± std over the seeds."""
    keys = ['acc'] + (['val_acc'] if val else []) + ['fgsm', 'pgd', 'ece']
    heads = dict(acc='test top-1', val_acc='val top-1',
                 fgsm='FGSM err (8/255)', pgd='PGD err (4/255)', ece='ECE')
    md = ['| row | ' + ' | '.join(heads[k] for k in keys) + ' |',
          '|---' * (len(keys) + 1) + '|']
    for row in ROWS:
        rs = [results[(row, s)] for s in seeds]
        md.append(f'| {NAMES[row]} | ' + ' | '.join(
            fmt([r[k] for r in rs]) for k in keys) + ' |')
    return '\n'.join(md)


def sweep_table(results: dict, seeds, sweep, chosen: int) -> str:
    md = ['| epochs (steps) | input mixup test | MultiMix test | MultiMix − '
          'input mixup (95 % interval) | mean val (both) |',
          '|---|---|---|---|---|']
    for e in sweep:
        im = [results[('input_mixup', e, s)]['acc'] for s in seeds]
        mm = [results[('multimix', e, s)]['acc'] for s in seeds]
        val = [results[(r, e, s)]['val_acc']
               for r in ('input_mixup', 'multimix') for s in seeds]
        mean, lo, hi = paired(mm, im)
        mark = ' (chosen)' if e == chosen else ''
        md.append(f'| {e} ({4 * e}){mark} | {fmt(im)} | {fmt(mm)} | '
                  f'{mean:+.2f} [{lo:+.2f}, {hi:+.2f}] | '
                  f'{statistics.mean(val):.2f} |')
    return '\n'.join(md)


def plot_sweep(results, seeds, sweep, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    for row in ('input_mixup', 'multimix'):
        accs = [[results[(row, e, s)]['acc'] for s in seeds] for e in sweep]
        ax.errorbar(sweep, [statistics.mean(a) for a in accs],
                    yerr=[statistics.stdev(a) if len(a) > 1 else 0
                          for a in accs], marker='o', capsize=3,
                    label=NAMES[row])
    ax.set_xscale('log', base=2)
    ax.set_xticks(list(sweep))
    ax.set_xticklabels([str(e) for e in sweep])
    ax.set_xlabel('epochs')
    ax.set_ylabel('test top-1 (%)')
    ax.set_title('Fashion-MNIST, low data: schedule length')
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def run_fashion(out: str, seeds=(0, 1, 2, 3, 4), smoke: bool = False,
                jobs: int = 1, report_only: bool = False, address: str = None,
                gpus: float = None, failures=None):
    """``reproduce.py --study fashion``: runs (cached, resumable; ``jobs``
    at a time, none with ``report_only``) and writes ``<out>/fashion.md``
    and ``<out>/fashion_sweep.png``."""
    st = dict(SMOKE if smoke else SETTINGS)
    seeds = list(seeds)[:2] if smoke else list(seeds)
    results = load_cache(out)
    t0 = time.time()

    def by_name(named):
        """Runs ``{name: job}``, the longest (epochs × images) first, and
        returns ``{name: metrics}`` of the finished ones."""
        keys = {name: j.key for name, j in named.items()}
        order = sorted(named, key=lambda name: -_cost(named[name]))
        execute({keys[name]: named[name] for name in order}, results, out,
                jobs, train=not report_only, address=address, gpus=gpus,
                failures=failures)
        return {name: results[k] for name, k in keys.items() if k in results}

    # phase 1: the sweep (chooses the low-data schedule) and the large regime
    sweep_j, large_j = sweep_jobs(st, seeds), large_jobs(st, seeds)
    phase1 = {**{('s', ) + k: j for k, j in sweep_j.items()},
              **{('l', ) + k: j for k, j in large_j.items()}}
    res1 = by_name(phase1)
    sweep_res = {k[1:]: v for k, v in res1.items() if k[0] == 's'}
    large_res = {k[1:]: v for k, v in res1.items() if k[0] == 'l'}
    if len(sweep_res) < len(sweep_j):
        print('sweep incomplete: run without --report-only first')
        return None
    chosen = choose_epochs({
        e: [sweep_res[(r, e, s)]['val_acc']
            for r in ('input_mixup', 'multimix') for s in seeds]
        for e in st['sweep'] if e <= st['low_max_epochs']
    })
    print(f'schedule chosen on the val split: {chosen} epochs', flush=True)
    # phase 2: every row in the low-data regime at the chosen schedule
    low_res = by_name(low_jobs(st, seeds, chosen))
    md = report(st, seeds, chosen, sweep_res, low_res, large_res)
    print(f'{time.time() - t0:.0f} s (runs cached before excluded)')
    with open(osp.join(out, 'fashion.md'), 'w') as f:
        f.write(md)
    plot_sweep(sweep_res, seeds, st['sweep'],
               osp.join(out, 'fashion_sweep.png'))
    print(md)
    return md


def report(st, seeds, chosen, sweep_res, low_res, large_res):
    low_n, large_n = 10 * st['low'], 10 * st['large']
    md = ['# Fashion-MNIST study: where does MultiMix help?\n',
          f'CPU-sized family `configs/demo/fashion_*` (PreActResNet-18 at '
          f'1/8 width, m = 128, n = 1000, the paper\'s lr / momentum / '
          f'weight decay), seeds {list(seeds)}. '
          f'Test top-1 on the official 10,000 test images, ECE on them, '
          f'FGSM / PGD error on the first {st["robust_n"]}. Differences are '
          f'paired over the same seeds (95 % t-interval); a verdict '
          f'"holds" needs the whole interval in the claim\'s favour.\n']
    md += [f'## Accuracy versus schedule length (low data: {low_n} '
           f'images)\n',
           f'The schedule of the low-data regime is the one with the best '
           f'mean **val** accuracy (5,000 held-out training images) of input '
           f'mixup and MultiMix together among the schedules of at most '
           f'{st["low_max_epochs"]} epochs (eight rows × {len(seeds)} seeds '
           f'at longer schedules do not fit the 2-core budget): '
           f'{chosen} epochs.\n',
           sweep_table(sweep_res, seeds, st['sweep'], chosen), '']
    if len(low_res) == len(ROWS) * len(seeds):
        md += [f'## Low data: {low_n} images, {chosen} epochs\n',
               regime_table(low_res, seeds, val=True), '',
               _claims(low_res, seeds), '']
    if len(large_res) == len(ROWS) * len(seeds):
        md += [f'## More data: {large_n} images, {st["large_epochs"]} '
               f'epochs\n', regime_table(large_res, seeds), '',
               _claims(large_res, seeds), '']
    return '\n'.join(md)
