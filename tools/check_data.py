"""Check that the data a config reads is in place, without building the
model: every path of its train, val and test dataloaders, with the layout
each data set expects (``docs/dataset_prepare.md``)::

    python tools/check_data.py configs/multimix/r18_cifar100_multimix.py
    python tools/check_data.py CONFIG --cfg-options \\
        train_dataloader.dataset.data_root=/data/cifar100
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def main(argv=None):
    from mmengine.config import Config, DictAction
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args(argv)
    import mmmultimix  # noqa: F401  (registers the data sets)
    from mmmultimix.datasets.preflight import DataMissing, check_data
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    try:
        check_data(cfg)
    except DataMissing as e:
        sys.exit(f'tools/check_data.py: the data is missing\n{e}')
    print(f'{args.config}: every dataloader\'s data is in place')


if __name__ == '__main__':
    main()
