"""Export the student (default) or the EMA teacher of one of our
classification checkpoints as a plain mmpretrain ``ImageClassifier``
checkpoint (``backbone.*``, ``neck.*``, ``head.*`` only).

    python tools/export_checkpoint.py work_dirs/x/epoch_300.pth teacher.pth \\
        --teacher
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def export(src: str, dst: str, teacher: bool = False) -> dict:
    """Writes ``dst`` and returns its state_dict."""
    import torch
    from mmengine.runner.checkpoint import _load_checkpoint

    import mmmultimix  # noqa: F401  (checkpoint policy)
    ckpt = _load_checkpoint(src, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    prefix = 'teacher.module.' if teacher else ''
    keep = ('backbone.', 'neck.', 'head.')
    out = {
        k[len(prefix):]: v
        for k, v in state.items()
        if k.startswith(prefix) and k[len(prefix):].startswith(keep)
    }
    if not out:
        raise ValueError(f'{src} has no {"teacher " if teacher else ""}'
                         'backbone/neck/head weights'
                         + (' (trained without model.distill?)'
                            if teacher else ''))
    meta = dict(ckpt.get('meta', {}))
    meta.pop('rng_state', None)
    meta['mmmultimix_export'] = dict(source=osp.abspath(src),
                                     network='teacher' if teacher else
                                     'student')
    torch.save(dict(state_dict=out, meta=meta), dst)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('src')
    p.add_argument('dst')
    p.add_argument('--teacher', action='store_true',
                   help='export the EMA teacher instead of the student')
    args = p.parse_args(argv)
    out = export(args.src, args.dst, args.teacher)
    print(f'wrote {args.dst}: {len(out)} tensors '
          f'({"teacher" if args.teacher else "student"})')


if __name__ == '__main__':
    main()
