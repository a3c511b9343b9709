"""What each mixer does to a batch, as pictures: one batch of a config's
training images through every input-space mixer (input mixup, CutMix,
ζ-Mixup, SaliencyMix, PuzzleMix with its mask, MultiMix at the input layer)
with the label weights under each image, and for the embedding-space
mixers how many examples a column of ``Λ`` really draws on, by ``α``.

Every mixed image comes from the mixer's own plan, applied as training
applies it (:func:`mixed_row`): the saliency pass of PuzzleMix and the box
search of SaliencyMix included, so the pictures are the training batch.
"""
import copy
from typing import List, NamedTuple, Optional

import torch
from torch import Tensor

from mmmultimix import functional as Fm

__all__ = ['GALLERY_ROWS', 'MixedRow', 'build_model', 'one_batch',
           'mixed_row', 'effective_examples', 'draw_gallery', 'draw_lambda']

# (row, config suffix, mixer overrides): every mixer on its mixing branch
GALLERY_ROWS = (
    ('input mixup', 'input_mixup', {}),
    ('CutMix', 'cutmix', {}),
    ('ζ-Mixup', 'zeta_mixup', {}),
    ('SaliencyMix', 'saliencymix', dict(prob=1.0)),
    ('PuzzleMix', 'puzzlemix', {}),
    ('MultiMix (input layer)', 'multimix', dict(layer=0, prob=1.0, n=None)),
)


class MixedRow(NamedTuple):
    """One mixer's output: mixed images ``(k, C, H, W)`` (normalised as
    the model sees them), their targets ``(k, c)`` and the plan."""
    name: str
    images: Tensor
    targets: Tensor
    plan: object
    mask: Optional[Tensor] = None


def build_model(cfg_path: str, mixer_overrides: dict, seed: int = 0):
    """The classifier of a config with its mixer's options overridden
    (``n=None``: as many tuples as the batch has examples)."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import mmmultimix  # noqa: F401
    cfg = Config.fromfile(cfg_path)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['mixer'] = dict(model_cfg['mixer'], **mixer_overrides)
    if 'data_preprocessor' not in model_cfg and cfg.get('data_preprocessor'):
        model_cfg['data_preprocessor'] = dict(cfg.data_preprocessor,
                                              type='ClsDataPreprocessor')
    torch.manual_seed(seed)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model.eval(), cfg


def one_batch(cfg, m: int, model):
    """The first ``m`` training images of the config's dataset (packed, no
    augmentation) through the model's data preprocessor: ``(inputs,
    one-hot targets, class names)``."""
    from mmpretrain.registry import DATASETS
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg['pipeline'] = [dict(type='PackInputs')]
    ds = DATASETS.build(ds_cfg)
    samples = [ds[i] for i in range(m)]
    data = model.data_preprocessor(
        dict(inputs=[s['inputs'] for s in samples],
             data_samples=[s['data_samples'] for s in samples]), False)
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    classes = ds.metainfo.get('classes') or [str(i) for i in range(
        int(labels.max()) + 1)]
    targets = torch.nn.functional.one_hot(labels, len(classes)).float()
    return data['inputs'], targets, list(classes)


def mixed_row(name: str, model, inputs: Tensor, targets: Tensor) -> MixedRow:
    """The mixer's plan for this batch, applied as in training."""
    from mmmultimix.models.classifiers.prepare_plan import prepare_plan
    from mmmultimix.models.mixers.baseline_plans import PuzzleMixPlan
    plan = model.mixer.sample(inputs.shape[0], inputs.device)
    prepare_plan(model, inputs, targets, plan)
    mask = None
    if isinstance(plan, PuzzleMixPlan):
        mask = torch.nn.functional.interpolate(
            plan.solution.mask.float(), size=inputs.shape[-1])
    with torch.no_grad():
        images, mixed = plan.mix(inputs.float(), targets)
    lam = getattr(plan, 'lam', None)
    if lam is not None and torch.as_tensor(lam).numel() == 1:
        name = f'{name}\nλ = {float(lam):.2f}'  # the pair mixers' draw
    return MixedRow(name, images, mixed, plan, mask)


def effective_examples(lam: Tensor) -> Tensor:
    """How many examples each column of ``Λ`` (``m × n``) draws on: the
    inverse Simpson index ``1 / Σ_i λ_ik²`` (``m`` for uniform weights, 1
    for one example)."""
    return 1.0 / (lam.double() ** 2).sum(0)


def _pixels(img: Tensor, pre) -> Tensor:
    c = img.shape[0]
    x = img * pre.std.view(c, 1, 1) + pre.mean.view(c, 1, 1)
    x = (x / 255.0).clamp(0, 1)
    return x[0] if c == 1 else x.permute(1, 2, 0)


def _label(target: Tensor, classes: List[str], k: int) -> str:
    w, idx = target.topk(min(k, target.numel()))
    return '\n'.join(f'{classes[i][:11]} {v:.2f}' for v, i in zip(w, idx)
                     if v > 0.005)


def draw_gallery(rows: List[MixedRow], clean: Tensor, clean_targets: Tensor,
                 classes: List[str], pre, path: str, cols: int = 8) -> None:
    """One row per mixer (and PuzzleMix's mask), ``cols`` images each, the
    top label weights under every image."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    lines = [('clean batch', clean, clean_targets, 1)]
    for r in rows:
        k = 3 if r.targets.gt(0.005).sum(1).max() > 2 else 2
        lines.append((r.name, r.images, r.targets, k))
        if r.mask is not None:
            lines.append((r.name.split('\n')[0] + ' mask\n(white: own)',
                          r.mask, None, 0))
    fig, axes = plt.subplots(len(lines), cols,
                             figsize=(1.25 * cols, 1.75 * len(lines)))
    for row_axes, (name, imgs, tgts, k) in zip(axes, lines):
        for j, ax in enumerate(row_axes):
            ax.set_xticks([])
            ax.set_yticks([])
            if tgts is None:  # a mask in [0, 1]
                ax.imshow(imgs[j, 0].cpu().numpy(), cmap='gray', vmin=0,
                          vmax=1)
            else:
                ax.imshow(_pixels(imgs[j].cpu(), pre.cpu()).numpy(),
                          cmap='gray')
                ax.set_xlabel(_label(tgts[j], classes, k), fontsize=6)
        row_axes[0].set_ylabel(name, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def draw_lambda(path: str, m: int = 128, n: int = 1000, seed: int = 0):
    """Histogram of :func:`effective_examples` over the ``n`` columns of
    ``Λ`` drawn as MultiMix draws it, for α = 0.5, 1, 2 and U[0.5, 2];
    returns ``{label: mean effective examples}``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    g = torch.Generator().manual_seed(seed)
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    means = {}
    for label, alpha in (('α = 0.5', 0.5), ('α = 1', 1.0), ('α = 2', 2.0),
                         ('α ~ U[0.5, 2] (paper)', (0.5, 2.0))):
        eff = effective_examples(Fm.sample_lambda(m, n, alpha, g))
        means[label] = float(eff.mean())
        ax.hist(eff.numpy(), bins=40, histtype='step', linewidth=1.4,
                label=f'{label}: mean {means[label]:.1f}')
    ax.set_xlabel(f'examples a mixed embedding draws on (1 / Σλ², of '
                  f'm = {m})')
    ax.set_ylabel(f'columns of Λ (of n = {n})')
    ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return means
