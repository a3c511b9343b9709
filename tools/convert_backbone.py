"""Extract the backbone of one of our classification checkpoints (student by
default, or the EMA teacher) into a clean backbone checkpoint for mmdet
(``backbone.*`` keys, ``init_cfg=dict(type='StrictPretrained',
checkpoint=..., prefix='backbone.')``), reporting missing / unexpected keys
against mmdet's ResNet.

    python tools/convert_backbone.py \\
        work_dirs/r50_imagenet_dense_distil/epoch_300.pth \\
        work_dirs/r50_imagenet_dense_distil/backbone.pth
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def convert(src: str, dst: str, teacher: bool = False,
            depth: int = 50) -> dict:
    """Writes ``dst``; returns ``dict(state_dict, missing, unexpected)``."""
    import torch
    from mmengine.runner.checkpoint import _load_checkpoint

    import mmmultimix  # noqa: F401  (checkpoint policy)
    ckpt = _load_checkpoint(src, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    prefix = 'teacher.module.backbone.' if teacher else 'backbone.'
    out = {
        'backbone.' + k[len(prefix):]: v
        for k, v in state.items() if k.startswith(prefix)
    }
    if not out:
        raise ValueError(f'{src} holds no {prefix}* weights')
    missing = unexpected = []
    if depth:
        from mmdet.models.backbones import ResNet
        ref = ResNet(depth=depth).state_dict()
        ours = {k[len('backbone.'):] for k in out}
        missing = sorted(k for k in ref if k not in ours)
        unexpected = sorted(k for k in ours if k not in ref)
    meta = dict(
        source=osp.abspath(src),
        network='teacher' if teacher else 'student',
        epoch=ckpt.get('meta', {}).get('epoch'),
        converter='mmmultimix tools/convert_backbone.py')
    torch.save(dict(state_dict=out, meta=meta), dst)
    return dict(state_dict=out, missing=missing, unexpected=unexpected)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('src')
    p.add_argument('dst')
    p.add_argument('--teacher', action='store_true')
    p.add_argument('--depth', type=int, default=50,
                   help='mmdet ResNet depth to check keys against (0: skip)')
    args = p.parse_args(argv)
    res = convert(args.src, args.dst, args.teacher, args.depth)
    print(f'wrote {args.dst}: {len(res["state_dict"])} tensors; '
          f'missing keys: {len(res["missing"])} {res["missing"][:8]}; '
          f'unexpected keys: {len(res["unexpected"])} '
          f'{res["unexpected"][:8]}')
    if res['missing'] or res['unexpected']:
        sys.exit(1)


if __name__ == '__main__':
    main()
