"""Evaluate a checkpoint on a classification or detection config.

Same flags as mmpretrain's ``tools/test.py``. Example::

    python tools/test.py configs/demo/digits_multimix.py \\
        work_dirs/digits_multimix/epoch_150.pth --out results.pkl
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
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument('--out', help='the file to save metric results.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--attack',
        action='store_true',
        help='robustness: evaluate clean, FGSM (eps 8/255) and PGD (eps '
        '4/255, step 2/255, 10 steps) top-1 error (AdversarialTestLoop)')
    parser.add_argument(
        '--metrics',
        nargs='+',
        default=[],
        help='extra metrics, e.g. AlignmentUniformity '
        'ExpectedCalibrationError')
    parser.add_argument(
        '--ood',
        nargs='+',
        default=[],
        metavar='FOLDER',
        help='OOD detection: the test set against these image folders')
    parser.add_argument(
        '--ood-score',
        default='msp',
        choices=['msp', 'energy', 'maxlogit'],
        help='in-distribution score for --ood (default: max softmax prob)')
    parser.add_argument(
        '--ood-size',
        type=int,
        default=None,
        help='resize OOD images to this square size (the ID resolution)')
    parser.add_argument(
        '--teacher',
        action='store_true',
        help='evaluate the EMA teacher instead of the student '
        '(model.predict_with=teacher)')
    parser.add_argument(
        '--allow-partial',
        action='store_true',
        help='load the tensors of the checkpoint that match the model and '
        'evaluate anyway (by default a missing, unexpected or mis-shaped '
        'tensor stops the test with the list)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision test')
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
    cfg.launcher = args.launcher
    default_work_dir(cfg, args.config, args.work_dir)
    cfg.load_from = None  # loaded strictly by main()
    if args.teacher:
        cfg.model.predict_with = 'teacher'
    from mmmultimix.evaluation import cli
    if args.attack:
        cli.use_attacks(cfg)
    if args.ood:
        cli.use_ood(cfg, args.ood, args.ood_score, args.ood_size)
    if args.metrics:
        cli.add_metrics(cfg, args.metrics)
    if args.amp:
        cfg.test_cfg.fp16 = True
    if args.out is not None:
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults',
                                       out_file_path=args.out))
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    from mmmultimix.datasets.preflight import DataMissing, check_data
    try:  # before the model is built: the data is where the config says
        check_data(cfg, ('test_dataloader', ))
    except DataMissing as e:
        sys.exit(f'tools/test.py: the data is missing\n{e}')
    from mmmultimix.engine import build_runner
    from mmmultimix.engine.eval_checkpoint_loader import load_test_checkpoint
    runner = build_runner(cfg)
    load_test_checkpoint(runner.model, args.checkpoint, args.allow_partial)
    metrics = runner.test()
    print('mmmultimix test metrics:', dict(metrics))
    from mmmultimix.engine.distributed import close_distributed
    close_distributed()


if __name__ == '__main__':
    main()
