"""A gallery of what each mixer does: one batch through every input mixer.

Draws the first ``--batch`` training images of a config family (Fashion-MNIST
by default) through input mixup, CutMix, ζ-Mixup, SaliencyMix, PuzzleMix (its
mask beside) and MultiMix at the input layer, each on its mixing branch and
as training applies it, with the label weights under every image; and how
many examples a column of MultiMix's ``Λ`` draws on, by ``α``
(``mmmultimix.visualization.mixer_gallery``). Regenerates the pictures of
``docs/mixers.md``::

    python tools/analysis/visualize_mixers.py --out docs/gallery
"""
import argparse
import os
import os.path as osp
import warnings

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def gallery(family='fashion', batch=16, seed=1, out='docs/gallery',
            cols=8):
    """Writes ``<out>/mixers_<family>.png`` and ``<out>/multimix_lambda.png``;
    returns the rows (for checks) and the mean effective examples by α."""
    import torch

    from mmmultimix.visualization import mixer_gallery as G
    os.makedirs(out, exist_ok=True)
    rows, clean = [], None
    for name, suffix, overrides in G.GALLERY_ROWS:
        cfg_path = osp.join(ROOT, 'configs', 'demo', f'{family}_{suffix}.py')
        if overrides.get('n', 0) is None:
            overrides = dict(overrides, n=batch)
        model, cfg = G.build_model(cfg_path, overrides, seed)
        if clean is None:
            clean = G.one_batch(cfg, batch, model)
        inputs, targets, classes = clean
        torch.manual_seed(seed)
        rows.append(G.mixed_row(name, model, inputs, targets))
    G.draw_gallery(rows, inputs, targets, classes, model.data_preprocessor,
                   osp.join(out, f'mixers_{family}.png'), cols)
    means = G.draw_lambda(osp.join(out, 'multimix_lambda.png'))
    return rows, clean, means


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--family', default='fashion',
                   help='configs/demo/<family>_<mixer>.py (fashion: 28x28, '
                   "every mixer's geometry fits)")
    p.add_argument('--batch', type=int, default=16,
                   help='images drawn (the mixers pair within them)')
    p.add_argument('--cols', type=int, default=8, help='images per row')
    p.add_argument('--seed', type=int, default=1,
                   help="the mixers' draws (seed 1: λ = 0.58 for input "
                   'mixup, CutMix and PuzzleMix, 0.23 for SaliencyMix; every '
                   'seed is one random draw)')
    p.add_argument('--out', default=osp.join('docs', 'gallery'))
    args = p.parse_args(argv)
    if not 2 <= args.cols <= args.batch:
        p.error(f'--cols must be in [2, --batch={args.batch}], got '
                f'{args.cols}')
    warnings.filterwarnings('ignore')
    import logging

    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    rows, _, means = gallery(args.family, args.batch, args.seed, args.out,
                             args.cols)
    for r in rows:
        print(f"{r.name.replace(chr(10), ', ')}: {tuple(r.images.shape)} "
              'mixed images')
    for label, v in means.items():
        print(f'Λ columns, {label}: {v:.1f} examples on average')
    print(f'written: {args.out}/mixers_{args.family}.png, '
          f'{args.out}/multimix_lambda.png')


if __name__ == '__main__':
    main()
