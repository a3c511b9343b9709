"""Train and evaluate the digits demo configs over seeds; print a table.

The README's main command. Every run is a normal mmengine Runner job that
leaves its work dir (logs, checkpoints) under ``--work-dir``::

    python tools/demo.py                       # all demo configs, 3 seeds
    python tools/demo.py --seeds 0 1 2 3 4 --methods baseline multimix
"""
import argparse
import json
import warnings
import os.path as osp
import statistics
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

DEMO_METHODS = [
    ('baseline', 'no mixup'),
    ('input_mixup', 'input mixup'),
    ('manifold_mixup', 'manifold mixup'),
    ('multimix', 'MultiMix'),
    ('dense', 'MultiMix + dense'),
    ('distil', 'MultiMix + distil'),
    ('dense_distil', 'MultiMix + dense + distil'),
]


def available_methods():
    return [(k, v) for k, v in DEMO_METHODS
            if osp.isfile(osp.join(ROOT, 'configs', 'demo', f'digits_{k}.py'))]


def run_one(method: str, seed: int, work_dir: str, cfg_options=None,
            quiet: bool = True) -> float:
    """Trains ``configs/demo/digits_<method>.py`` with ``seed`` and returns
    the test top-1 accuracy (%)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmmultimix  # noqa: F401
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'demo', f'digits_{method}.py'))
    cfg.work_dir = osp.join(work_dir, method, f'seed{seed}')
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.experiment_name = f'digits_{method}_seed{seed}_{time.time_ns()}'
    if quiet:
        cfg.log_level = 'ERROR'
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    return float(metrics['accuracy/top1'])


def num_per_class() -> int:
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'datasets', 'digits_lowdata.py'))
    return cfg.num_per_class


def format_table(results: dict, names: dict) -> str:
    lines = [
        '| method | top-1 (%) mean ± std | seeds |',
        '|---|---|---|',
    ]
    for method, accs in results.items():
        mean = statistics.mean(accs)
        std = statistics.stdev(accs) if len(accs) > 1 else 0.0
        lines.append(f'| {names.get(method, method)} | {mean:.2f} ± {std:.2f} '
                     f'| {len(accs)} |')
    return '\n'.join(lines)


def main():
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    from mmengine.config import DictAction
    methods = available_methods()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--methods', nargs='+',
                        default=[k for k, _ in methods],
                        choices=[k for k, _ in methods])
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'demo'))
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to every demo config')
    parser.add_argument('--verbose', action='store_true',
                        help='print the mmengine logs of every run')
    args = parser.parse_args()
    names = dict(methods)
    results = {}
    t0 = time.time()
    total = len(args.methods) * len(args.seeds)
    done = 0
    for method in args.methods:
        for seed in args.seeds:
            acc = run_one(method, seed, args.work_dir, args.cfg_options,
                          quiet=not args.verbose)
            results.setdefault(method, []).append(acc)
            done += 1
            eta = (time.time() - t0) / done * (total - done)
            print(f'[{done}/{total}] {names[method]:<16} seed {seed}: '
                  f'top-1 {acc:.2f} %  (ETA {eta:.0f} s)', flush=True)
    table = format_table(results, names)
    print(f'\nDigits, low-data split ({num_per_class()} train images per '
          f'class), test top-1 (%) over seeds {args.seeds}:\n')
    print(table)
    print(f'\n{total} runs in {time.time() - t0:.0f} s; work dirs under '
          f'{args.work_dir}/')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
