"""UMAP picture of test embeddings (paper Fig. 4): 10 classes x 100 examples.

    python tools/analysis/umap_embeddings.py CONFIG CHECKPOINT --out umap.png
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)


def collect(cfg, checkpoint, classes, per_class, teacher=False):
    """Embeddings (input of the classifier) and labels of the test set."""
    import torch
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner, load_checkpoint
    from mmpretrain.registry import MODELS

    import mmmultimix  # noqa: F401
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    if teacher:
        cfg.model.predict_with = 'teacher'
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu')
    model.eval()
    loader = Runner.build_dataloader(cfg.test_dataloader)
    counts, feats, labels = {}, [], []
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            for s in model.predict(data['inputs'], data['data_samples']):
                y = int(s.gt_label[0])
                if y not in classes or counts.get(y, 0) >= per_class:
                    continue
                counts[y] = counts.get(y, 0) + 1
                feats.append(s.embedding)
                labels.append(y)
    return torch.stack(feats).numpy(), labels


def main(argv=None):
    from mmengine.config import Config
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--out', default='umap.png')
    p.add_argument('--classes', nargs='+', type=int, default=list(range(10)))
    p.add_argument('--per-class', type=int, default=100)
    p.add_argument('--teacher', action='store_true')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    cfg = Config.fromfile(args.config)
    z, y = collect(cfg, args.checkpoint, set(args.classes), args.per_class,
                   args.teacher)
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    import umap
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    xy = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=args.seed,
                   n_jobs=1).fit_transform(z)
    fig, ax = plt.subplots(figsize=(5, 5))
    y = np.array(y)
    for c in sorted(set(y)):
        ax.scatter(xy[y == c, 0], xy[y == c, 1], s=6, label=str(c))
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(osp.splitext(osp.basename(args.config))[0])
    ax.legend(markerscale=2, fontsize=7, loc='best', ncol=2)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f'wrote {args.out} ({len(y)} embeddings)')


if __name__ == '__main__':
    main()
