"""The paper's tables and ablations in miniature (``reproduce.py``'s
default study): Table 1 (no mixup ... + dense + distil), Table 9
(distillation and the dense loss on the other methods), Table 10 (attention
variants), Fig. 3 (layer, n, α) on a config family (digits by default), with
FGSM / PGD error and calibration (ECE) for every row; Markdown tables and
Fig. 3-style PNG curves, every run cached by the engine."""
import os.path as osp
import statistics
import time

from .engine import execute
from .records import Job, legacy_key, load_cache
from .stats import fmt

__all__ = ['study', 'tables', 'compare_tables', 'plot', 'run_paper']
_key = legacy_key

DENSE_HEAD = dict(type='DenseLinearClsHead')


def _mixer(**kw):
    base = dict(type='MultiMix', n=1000, alpha=(0.5, 2.0), prob=0.5,
                input_alpha=2.0, layer='embedding')
    base.update(kw)
    return base


def _denseloss(opts):
    opts['model.neck'] = None
    opts['model.head.type'] = 'DenseLinearClsHead'
    opts['model.dense_loss'] = True
    return opts


PAIR_MIXERS = {
    'baseline': None,
    'input_mixup': dict(type='InputMixup', alpha=1.0),
    'manifold_mixup': dict(type='ManifoldMixup', alpha=2.0, layers=(0, 1, 2)),
    'cutmix': dict(type='CutMix', alpha=1.0),
}


def study(family: str):
    """``{table: [(row, config_basename, cfg_options)]}``; rows with the same
    (config, options) are trained once."""
    t1 = [(r, f'{family}_{r}', {}) for r in
          ('baseline', 'input_mixup', 'manifold_mixup', 'multimix', 'distil',
           'dense', 'dense_distil')]
    t9 = []
    for name, mixer in PAIR_MIXERS.items():
        base = f'{family}_{name}' if name != 'cutmix' else f'{family}_baseline'
        opts = {} if name != 'cutmix' else {'model.mixer': mixer}
        t9.append((name, base, dict(opts)))
        swap = None if mixer is None else dict(mixer, _delete_=True)
        t9.append((f'{name} + distil', f'{family}_distil',
                   {'model.mixer': swap}))
        t9.append((f'{name} + dense loss', base, _denseloss(dict(opts))))
    t10 = []
    for att in ('uniform', 'gap', 'cam'):
        for norm in ('l1relu', 'softmax'):
            t10.append((f'u={att}, h={norm}', f'{family}_dense', {
                'model.mixer.attention': att,
                'model.mixer.attention_norm': norm
            }))
    fig_layer = [(f'layer {k}', f'{family}_multimix',
                  {'model.mixer': _mixer(layer=k)}) for k in (0, 1, 2, 3)]
    fig_layer.append(('layer embedding', f'{family}_multimix', {}))
    fig_n = [(f'n={n}', f'{family}_multimix', {'model.mixer.n': n})
             for n in (1, 10, 100, 1000, 10000)]
    fig_alpha = [(f'alpha={a}', f'{family}_multimix', {'model.mixer.alpha': a})
                 for a in (0.5, 1.0, 2.0)]
    fig_alpha.append(('alpha~U[0.5,2]', f'{family}_multimix', {}))
    return dict(table1=t1, table9=t9, table10=t10, fig3a=fig_layer,
                fig3b=fig_n, fig3c=fig_alpha)


def tables(spec, results, seeds, epochs):
    md = []
    titles = dict(
        table1='Table 1: classification (top-1 %) and robustness',
        table9='Table 9: distillation and dense loss on other methods',
        table10='Table 10: attention in dense MultiMix',
        fig3a='Fig. 3a: interpolation layer (MultiMix)',
        fig3b='Fig. 3b: number of tuples n (MultiMix)',
        fig3c='Fig. 3c: Dirichlet parameter alpha (MultiMix)')
    for table, rows in spec.items():
        md.append(f'### {titles[table]}\n')
        md.append('| row | top-1 acc | FGSM err (8/255) | PGD err (4/255) '
                  '| ECE | seeds |')
        md.append('|---|---|---|---|---|---|')
        for row, cfg_name, opts in rows:
            rs = [results.get(_key(cfg_name, opts, s, epochs)) for s in seeds]
            rs = [r for r in rs if r is not None]
            md.append(f'| {row} | ' + ' | '.join(
                fmt([r[k] for r in rs])
                for k in ('acc', 'fgsm', 'pgd', 'ece')) + f' | {len(rs)} |')
        md.append('')
    return '\n'.join(md)


def _table_means(md: str) -> dict:
    """``{(table title, row): (mean, std)}`` of the top-1 column of a
    ``tables.md``."""
    out, title = {}, None
    for line in md.splitlines():
        if line.startswith('### '):
            title = line[4:].strip()
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if title and len(cells) == 6 and '±' in cells[1]:
            mean, std = (float(v) for v in cells[1].split('±'))
            out[(title, cells[0])] = (mean, std)
    return out


def compare_tables(old_md: str, new_md: str) -> str:
    """What moved: top-1 of every row present in both studies, the change
    and the larger of the two seed spreads (std) for scale."""
    old, new = _table_means(old_md), _table_means(new_md)
    lines = ['| table | row | before | after | change | larger std |',
             '|---|---|---|---|---|---|']
    for key, (m1, s1) in new.items():
        if key not in old:
            continue
        m0, s0 = old[key]
        lines.append(f'| {key[0].split(":")[0]} | {key[1]} | {m0:.2f} | '
                     f'{m1:.2f} | {m1 - m0:+.2f} | {max(s0, s1):.2f} |')
    return '\n'.join(lines)


def plot(spec, results, seeds, epochs, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    figs = [k for k in ('fig3a', 'fig3b', 'fig3c') if k in spec]
    if not figs:
        return
    fig, axes = plt.subplots(1, len(figs), figsize=(4 * len(figs), 3.2))
    axes = [axes] if len(figs) == 1 else axes
    for ax, name in zip(axes, figs):
        labels, means, stds = [], [], []
        for row, cfg_name, opts in spec[name]:
            rs = [results.get(_key(cfg_name, opts, s, epochs)) for s in seeds]
            accs = [r['acc'] for r in rs if r is not None]
            if not accs:
                continue
            labels.append(row.split(' ', 1)[-1].split('=')[-1])
            means.append(statistics.mean(accs))
            stds.append(statistics.stdev(accs) if len(accs) > 1 else 0.0)
        ax.errorbar(range(len(means)), means, yerr=stds, marker='o',
                    capsize=3)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=30, fontsize=8)
        ax.set_title(name)
        ax.set_ylabel('top-1 (%)')
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def run_paper(out: str, config_family: str = 'digits', seeds=(0, 1, 2, 3, 4),
              epochs=None, smoke: bool = False, cfg_options=None,
              tables_=None, rows=None, jobs: int = 1,
              report_only: bool = False, address: str = None,
              gpus: float = None, compare: str = None, failures=None):
    """Trains what is missing of the tables of ``config_family`` (``tables_``
    and ``rows`` select; ``cfg_options`` apply to every run; ``smoke``: 2
    seeds, 3 epochs, 2 rows a table) into ``<out>``, ``jobs`` at a time
    (none with ``report_only``); writes ``tables.md`` and ``fig3.png`` (and
    ``moved.md`` against an earlier ``tables.md``, ``compare``)."""
    seeds = list(seeds)
    spec = study(config_family)
    if smoke:
        seeds = seeds[:2] if len(seeds) >= 2 else [0, 1]
        epochs = epochs or 3
        spec = {k: v[:2] for k, v in spec.items()}
    if cfg_options:
        spec = {k: [(r, c, {**o, **cfg_options}) for r, c, o in v]
                for k, v in spec.items()}
    if tables_:
        spec = {k: v for k, v in spec.items() if k in tables_}
    if rows:
        spec = {k: [r for r in v if r[0] in rows]
                for k, v in spec.items()}
    todo = {}
    for rows in spec.values():
        for _, cfg_name, opts in rows:
            for s in seeds:
                todo[_key(cfg_name, opts, s, epochs)] = Job(
                    cfg_name, opts, s, epochs, None, False)
    t0 = time.time()
    results = execute(todo, load_cache(out), out, jobs,
                      train=not report_only, address=address,
                      gpus=gpus, failures=failures)
    md = tables(spec, results, seeds, epochs)
    length = f', {epochs} epochs' if epochs else ''
    header = (f'# Reproduction study: {config_family}, seeds '
              f'{seeds}{length}\n\n')
    with open(osp.join(out, 'tables.md'), 'w') as f:
        f.write(header + md)
    plot(spec, results, seeds, epochs,
         osp.join(out, 'fig3.png'))
    print(header + md)
    if compare:
        with open(compare) as f:
            moved = compare_tables(f.read(), md)
        with open(osp.join(out, 'moved.md'), 'w') as f:
            f.write(f'# What moved against {compare}\n\n{moved}\n')
        print(moved)
    print(f'done in {time.time() - t0:.0f} s')
