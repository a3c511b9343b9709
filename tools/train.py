"""Train a classification (mmpretrain) or detection (mmdet) config.

Same flags as mmpretrain's / mmdet's ``tools/train.py``; the config's
``default_scope`` picks the registries. Examples::

    python tools/train.py configs/demo/digits_multimix.py
    python tools/train.py CONFIG --work-dir work_dirs/x --amp \\
        --cfg-options train_cfg.max_epochs=10
    bash tools/dist_train.sh CONFIG 8 --resume
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import Config, DictAction  # noqa: E402

import mmmultimix  # noqa: E402,F401  (registers modules, checkpoint policy)
from mmmultimix.engine import default_work_dir  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory.')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='start afresh in a work dir that holds checkpoints of an earlier '
        'run, deleting them (by default the run refuses: use --resume to '
        'continue it, or another --work-dir)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision training: --precision fp16 '
        '(loss-scaled) on CUDA, --precision auto elsewhere')
    parser.add_argument(
        '--precision',
        choices=['fp32', 'bf16', 'fp16', 'auto'],
        default=None,
        help='precision of the training forward passes, student and teacher '
        '(model.precision): auto = bf16 where the device runs it natively '
        '(CUDA with bf16, a CPU with AVX512-BF16 / AMX), fp32 elsewhere; '
        'fp16 (CUDA) also sets AmpOptimWrapper for loss scaling')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='whether not to evaluate the checkpoint during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='whether to auto scale the learning rate according to the '
        'actual batch size and the original batch size.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Merge CLI arguments to config."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    default_work_dir(cfg, args.config, args.work_dir)
    from mmmultimix.engine.precision import use_precision
    use_precision(cfg, args.precision, args.amp)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    from mmmultimix.datasets.preflight import DataMissing, check_data
    try:  # before the model is built: the data is where the config says
        check_data(cfg, ('train_dataloader', ) + (
            ('val_dataloader', ) if cfg.get('val_cfg') else ()))
    except DataMissing as e:
        sys.exit(f'tools/train.py: the data is missing\n{e}')
    from mmmultimix.engine import build_runner, guard_work_dir
    guard_work_dir(cfg.work_dir, resume=bool(cfg.get('resume')),
                   overwrite=args.overwrite)
    from mmmultimix.engine.batch_scale import batch_note
    note = batch_note(cfg)
    if note and int(os.environ.get('RANK', '0')) == 0:
        print(f'mmmultimix: {note}', flush=True)
    runner = build_runner(cfg)
    runner.train()
    from mmmultimix.engine.distributed import close_distributed
    close_distributed()


if __name__ == '__main__':
    main()
