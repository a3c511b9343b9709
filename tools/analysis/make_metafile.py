"""Writes configs/multimix/metafile.yml (model-index format) and README.md.

Every config under configs/multimix, configs/demo and configs/detection,
with the paper table it reproduces and, where this project measured it, the
result and the cache it comes from (``mmmultimix.studies.metafile``); the
root ``model-index.yml`` imports it (``mim`` and OpenMMLab's docs tooling
read it)::

    python tools/analysis/make_metafile.py
"""
import argparse
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=osp.join(ROOT, 'configs', 'multimix'),
                   help='folder of metafile.yml and README.md')
    args = p.parse_args(argv)
    from mmmultimix.studies.metafile import metafile, readme, to_yaml
    data = metafile()
    with open(osp.join(args.out, 'metafile.yml'), 'w') as f:
        f.write(to_yaml(data))
    with open(osp.join(args.out, 'README.md'), 'w') as f:
        f.write(readme(data))
    measured = sum('Results' in m for m in data['Models'])
    print(f'{args.out}: {len(data["Models"])} configs in '
          f'{len(data["Collections"])} collections, {measured} with a '
          'measured result')


if __name__ == '__main__':
    main()
