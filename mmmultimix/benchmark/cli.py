"""The benchmark's command line (``tools/analysis/benchmark_speed.py`` and
``python -m mmmultimix.benchmark``): arguments, the child processes' modes
(one variant's memory, the oneDNN profile) and the report."""
import argparse
import os.path as osp
import sys

import torch

from .memory import reexec_with_malloc_tuning, step_memory
from .onednn import onednn_profile, profile_child
from .speed import (VARIANTS, plot_sweep, quiet_logs, run_sweep, run_variants,
                    variant_step)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
__all__ = ['parse_args', 'main', 'run']


def parse_args(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(
        description='Training-step throughput of every mixing variant, as '
        'ratios to no mixup.')
    p.add_argument('config', nargs='?',
                   default=osp.join(ROOT, 'configs', 'multimix',
                                    'r18_cifar100_baseline.py'))
    p.add_argument('--variants', nargs='+', default=list(VARIANTS),
                   choices=list(VARIANTS))
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--img-size', type=int, default=32)
    p.add_argument('--dense-size', type=int, default=4)
    p.add_argument('--n', type=int, default=1000)
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--n-sweep', nargs='*', type=int, default=[])
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='key=value overrides of the config (mmengine\'s '
                   'syntax, as tools/train.py)')
    p.add_argument('--teacher-dtype', default=None,
                   choices=('fp32', 'bf16', 'fp16', 'auto'),
                   help='model.distill.teacher_dtype of the +distil variants '
                   "(default: the run's precision)")
    p.add_argument('--precision', nargs='+', default=['fp32'],
                   choices=('fp32', 'bf16', 'fp16', 'auto'),
                   help='model.precision (student and teacher); several: '
                   'every variant in each, interleaved in one run')
    p.add_argument('--channels-last', action='store_true',
                   help='model.channels_last=True for every variant')
    p.add_argument('--memory', action='store_true',
                   help='also measure the peak memory of a step per variant')
    p.add_argument('--child-memory', help=argparse.SUPPRESS)
    p.add_argument('--onednn-child', action='store_true',
                   help=argparse.SUPPRESS)
    p.add_argument('--no-malloc-tuning', action='store_true',
                   help='on CPU, time with glibc\'s default malloc settings '
                   '(by default the tool re-runs itself with GLIBC_TUNABLES '
                   'that keep freed memory in the heap; see MALLOC_TUNING)')
    p.add_argument('--verbose', action='store_true',
                   help='keep mmengine\'s per-parameter initialisation logs')
    p.add_argument('--onednn-profile', action='store_true',
                   help='CPU: one step of every variant under oneDNN\'s '
                   'verbose mode; prints time per primitive, implementation '
                   'and source dtype (an fp32 kernel in a bf16 run shows '
                   'as a fallback)')
    p.add_argument('--out', help='write the Markdown tables here')
    p.add_argument('--plot', help='PNG of throughput vs n (with --n-sweep)')
    return p.parse_args(argv)


def main(argv=None):
    from mmengine.config import Config

    import mmmultimix  # noqa: F401
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if not args.verbose:
        quiet_logs()
    device = torch.device(args.device)
    torch.manual_seed(0)
    if args.child_memory:  # one variant, one fresh process (CPU memory)
        step = variant_step(cfg, args, device, args.child_memory)
        print(step_memory(step, device))
        return None, None
    if args.onednn_child:  # one step per variant under oneDNN's verbose
        profile_child(cfg, args)
        return None, None
    res, base_step, memory, text = run_variants(cfg, args, device, argv)
    if args.onednn_profile and device.type == 'cpu':
        text += onednn_profile(argv if argv is not None else sys.argv[1:])
    sweep = {}
    if args.n_sweep:
        sweep, sweep_text = run_sweep(cfg, args, device, argv, base_step,
                                      memory.get('baseline'))
        text += sweep_text
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    if args.plot and sweep:
        plot_sweep(sweep, args.n_sweep, args.plot)
    return res, sweep


def run(argv=None):
    """The command: on CPU first re-executed with the timing malloc
    settings (:func:`.memory.reexec_with_malloc_tuning`)."""
    argv = sys.argv[1:] if argv is None else argv
    reexec_with_malloc_tuning(argv)
    return main(argv)
