"""Train and evaluate the digits demo configs over seeds; print a table.

The README's main command. Every run is a normal mmengine Runner job that
leaves its work dir (logs, checkpoints) under ``--work-dir``::

    python tools/demo.py                       # all demo configs, 3 seeds
    python tools/demo.py --seeds 0 1 2 3 4 --methods baseline multimix

Runs are Ray tasks of the studies' engine (a local instance), ``--jobs`` at
a time (default: one per core), each with ``cores // jobs`` torch threads
(at most ``OMP_NUM_THREADS``): these models are too small for two threads
to help one run, so two runs side by side take half the time. Results
depend on the thread count (reduction order), not on the number of jobs.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
import warnings

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

ROWS = ('baseline', 'input_mixup', 'manifold_mixup', 'multimix', 'dense',
        'distil', 'dense_distil')


def available_methods():
    from mmmultimix.studies.names import demo_name
    return [(k, demo_name(k)) for k in ROWS
            if osp.isfile(osp.join(ROOT, 'configs', 'demo', f'digits_{k}.py'))]


def run_all(jobs, n_jobs: int):
    """The studies' training of every ``(method, seed, work_dir,
    cfg_options, quiet)`` as the config says (validation, checkpoints in
    ``<work_dir>/<method>/seed<seed>``), run by the studies' engine
    ``n_jobs`` at a time; yields ``(method, seed, test top-1)`` as runs
    finish (a failed run stops the demo with its error). mmengine sets its
    config's 'fork' start method in every runner and warns that a worker
    process has another: the demo's loaders have no worker processes, so
    that warning is silenced."""
    from mmmultimix.studies.engine import run_tasks
    from mmmultimix.studies.records import Job
    from mmmultimix.studies.training import run_job
    tasks = {(m, s): (Job(f'digits_{m}', opts or {}, s),
                      osp.join(work_dir, m, f'seed{s}'), True, quiet)
             for m, s, work_dir, opts, quiet in jobs}
    for (method, seed), rec, failure in run_tasks(
            run_job, tasks, n_jobs, ignore='Multi-processing start method'):
        if failure is not None:
            raise RuntimeError(f'{method} seed {seed}: {failure.error}')
        yield method, seed, rec['acc']


def num_per_class() -> int:
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'datasets', 'digits_lowdata.py'))
    return cfg.num_per_class


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
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1,
                        help='runs at a time (processes with cores // jobs '
                        'torch threads each); default: one per core')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to every demo config')
    parser.add_argument('--verbose', action='store_true',
                        help='print the mmengine logs of every run')
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error(f'--jobs must be >= 1, got {args.jobs}')
    names = dict(methods)
    results = {m: {} for m in args.methods}
    t0 = time.time()
    jobs = [(m, s, args.work_dir, args.cfg_options, not args.verbose)
            for m in args.methods for s in args.seeds]
    total = len(jobs)
    threads = max(1, (os.cpu_count() or 1) // min(args.jobs, total))
    print(f'{total} runs, {min(args.jobs, total)} at a time ({threads} torch '
          f'thread(s) each)', flush=True)
    for done, (method, seed, acc) in enumerate(
            run_all(jobs, min(args.jobs, total)), 1):
        results[method][seed] = acc
        eta = (time.time() - t0) / done * (total - done)
        print(f'[{done}/{total}] {names[method]:<16} seed {seed}: '
              f'top-1 {acc:.2f} %  (ETA {eta:.0f} s)', flush=True)
    results = {m: [r[s] for s in args.seeds] for m, r in results.items()}
    from mmmultimix.studies.markdown import accuracy_table
    table = accuracy_table([(names[m], accs) for m, accs in results.items()])
    print(f'\nDigits, low-data split ({num_per_class()} train images per '
          f'class), test top-1 (%) over seeds {args.seeds}:\n')
    print(table)
    print(f'\n{total} runs in {time.time() - t0:.0f} s; work dirs under '
          f'{args.work_dir}/')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
