"""The paper's tables and ablations in miniature, on real data, one command.

Runs, on the digits low-data split (``configs/demo``) with several seeds:
Table 1, Table 9, Table 10 and Fig. 3, with FGSM / PGD error and ECE for
every row (``mmmultimix.studies.paper``); ``--study fashion`` and ``--study
long`` are the Fashion-MNIST studies (``mmmultimix.studies.fashion``,
``.long``). Every training is a Ray task (``mmmultimix.studies.
engine``): on this machine by default, on a Ray cluster with ``--address``;
every finished run is cached in ``<out>/runs.json`` at once, so an
interrupted study resumes where it stopped, and ``<out>/STOP`` lets the runs
in flight finish and starts no other::

    python tools/analysis/reproduce.py --out docs/reproduction --jobs 2
    python tools/analysis/reproduce.py --smoke --out work_dirs/smoke
    python tools/analysis/reproduce.py --study long --jobs 2 \\
        --out docs/fashion_long --address 10.0.0.1:6379     # a Ray cluster
"""
import argparse
import os.path as osp
import sys
import warnings


def parse_args(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--study', choices=('paper', 'fashion', 'long'),
                   default='paper',
                   help="'paper': the paper's tables on --config-family; "
                   "'fashion': where MultiMix helps on Fashion-MNIST; "
                   "'long': long schedules on Fashion-MNIST")
    p.add_argument('--plan', action='store_true',
                   help='--study long: print every run with its estimated '
                   'core-minutes and whether it is cached; train nothing')
    p.add_argument('--merge', nargs='+', metavar='RUNS_JSON',
                   help='--study long: first add the records of other '
                   'caches (a device run\'s runs.json) to --out\'s')
    p.add_argument('--part', choices=('required', 'axes', 'precision',
                                      'data_epochs', 'all'),
                   default='required',
                   help="--study long: 'required' (the sweep and the best "
                   "rows' first seeds), 'axes' (width and data cells beside "
                   "their reference), 'precision' (fp32 vs bf16, paired), "
                   "'data_epochs' (the data cell at 400 and 1,000 epochs) or "
                   "'all' (every planned run)")
    p.add_argument('--jobs', type=int, default=1,
                   help='runs at a time on this machine (cores / jobs '
                   'threads each; results depend on the thread count); on '
                   'a cluster, the threads of a run are cores / jobs of '
                   'this machine and every free CPU takes runs')
    p.add_argument('--address', default=None,
                   help='a running Ray cluster (host:port of its head, '
                   'ray://host:port or auto; default RAY_ADDRESS, else a '
                   'local instance on this machine)')
    p.add_argument('--gpus', type=float, default=None,
                   help='GPU fraction per run (default: 1 / --jobs where '
                   'CUDA is available, else none)')
    p.add_argument('--config-family', default='digits')
    p.add_argument('--cfg-options', nargs='+', default={},
                   action=DictAction,
                   help='key=value overrides of every run\'s config '
                   '(mmengine syntax, as tools/train.py; part of the cache '
                   'key)')
    p.add_argument('--seeds', nargs='+', type=int, default=None,
                   help='default 0 1 2 3 4; --study long: only the plan\'s '
                   'runs of these seeds (default: all of them)')
    p.add_argument('--tables', nargs='+', default=None,
                   help='subset of table1 table9 table10 fig3a fig3b fig3c')
    p.add_argument('--groups', nargs='+', default=None,
                   help='--study long: only the plan\'s runs of these groups '
                   '(e.g. ref data width width_data, fp32 bf16, sweep)')
    p.add_argument('--rows', nargs='+', default=None,
                   help='only rows with these names (--study long: of '
                   'its plan, e.g. input_mixup multimix)')
    p.add_argument('--epochs', type=int, default=None,
                   help='override the schedule length (milestones scaled); '
                   '--study long: only the plan\'s runs of this length')
    p.add_argument('--out', default=osp.join('docs', 'reproduction'))
    p.add_argument('--report-only', action='store_true',
                   help='write the tables from the cached runs, train nothing')
    p.add_argument('--smoke', action='store_true',
                   help='2 seeds, 3 epochs, a few rows of every table')
    p.add_argument('--compare', metavar='OLD_TABLES_MD',
                   help='also write <out>/moved.md: top-1 of every row '
                   'against an earlier study\'s tables.md')
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error(f'--jobs must be >= 1, got {args.jobs}')
    if args.gpus is not None and not 0 < args.gpus <= 1:
        p.error(f'--gpus must be in (0, 1], got {args.gpus}')
    if args.study != 'paper' and args.cfg_options:
        p.error('--cfg-options applies to --study paper only (the '
                'Fashion-MNIST studies fix their settings in '
                f'mmmultimix/studies/{args.study}*.py)')
    if args.study != 'long':
        args.seeds = args.seeds or [0, 1, 2, 3, 4]
    if args.gpus is None:
        import torch
        args.gpus = 1.0 / args.jobs if torch.cuda.is_available() else None
    return args


def main(argv=None):
    warnings.filterwarnings('ignore')
    args = parse_args(argv)
    failures = []
    if args.study == 'fashion':
        from mmmultimix.studies.fashion import run_fashion
        run_fashion(args.out, args.seeds, args.smoke, args.jobs,
                    args.report_only, args.address, args.gpus, failures)
    elif args.study == 'long':
        from mmmultimix.studies.long import run_long
        run_long(args.out, args.part, args.smoke, args.jobs,
                 args.report_only, args.plan, args.rows, args.seeds,
                 args.epochs, args.groups, args.merge, args.address,
                 args.gpus, failures)
    else:
        from mmmultimix.studies.paper import run_paper
        run_paper(args.out, args.config_family, args.seeds, args.epochs,
                  args.smoke, args.cfg_options, args.tables, args.rows,
                  args.jobs, args.report_only, args.address, args.gpus,
                  args.compare, failures)
    if failures:
        sys.exit(f'{len(failures)} run(s) failed: see above')


if __name__ == '__main__':
    main()
