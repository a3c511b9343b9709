"""``configs/multimix/metafile.yml`` in OpenMMLab's model-index format
(Collections / Models with Config, Metadata, Results, Paper), generated from
the configs themselves and the committed study caches, so that it lists
every config and states only measured numbers:

* every config under ``configs/multimix``, ``configs/demo`` and
  ``configs/detection``, with the paper table it reproduces (from its
  name: dataset, network, method and variant) in ``Metadata``;
* ``Results`` where this project measured the config: the digits configs
  (``docs/reproduction/runs.json``, the paper study's Table 1 rows, 5
  seeds) and the Fashion-MNIST ones (``docs/fashion_long/runs.json``, 8,000
  SGD steps on 1,000 images, fp32), each with the cache and the seeds it
  averages. The paper's own numbers stay in the paper (and beside ours
  on the guide's pages): a metafile result here is always one this code
  produced.

``tools/analysis/make_metafile.py`` writes it and ``configs/multimix/
README.md`` (:func:`readme`); a test checks that the committed files are
what the generator writes and that the metafile covers every config.
"""
import os
import os.path as osp
import statistics

from .records import ROOT, legacy_key, load_cache

__all__ = ['PAPERS', 'paper_tables', 'collection_of', 'metafile',
           'to_yaml', 'readme']

MULTIMIX = ('Teach me how to Interpolate a Myriad of Embeddings',
            'https://arxiv.org/abs/2206.14868')
PAPERS = {  # collection: (paper title, URL)
    'MultiMix': MULTIMIX,
    'Input mixup': ('mixup: Beyond Empirical Risk Minimization',
                    'https://arxiv.org/abs/1710.09412'),
    'Manifold mixup': ('Manifold Mixup: Better Representations by '
                       'Interpolating Hidden States',
                       'https://arxiv.org/abs/1806.05236'),
    'CutMix': ('CutMix: Regularization Strategy to Train Strong Classifiers '
               'with Localizable Features',
               'https://arxiv.org/abs/1905.04899'),
    'AlignMixup': ('AlignMixup: Improving Representations By Interpolating '
                   'Aligned Features', 'https://arxiv.org/abs/2103.15375'),
    'PuzzleMix': ('Puzzle Mix: Exploiting Saliency and Local Statistics for '
                  'Optimal Mixup', 'https://arxiv.org/abs/2009.06962'),
    'SaliencyMix': ('SaliencyMix: A Saliency Guided Data Augmentation '
                    'Strategy for Better Regularization',
                    'https://arxiv.org/abs/2006.01791'),
    'ζ-Mixup': ('Multi-sample ζ-mixup: Richer, more realistic synthetic '
                'samples from a p-series interpolant',
                'https://arxiv.org/abs/2204.03323'),
    'No mixup': MULTIMIX,  # the paper's baseline row
}
METHODS = {  # config method: collection
    'baseline': 'No mixup', 'input_mixup': 'Input mixup',
    'manifold_mixup': 'Manifold mixup', 'cutmix': 'CutMix',
    'alignmixup': 'AlignMixup', 'puzzlemix': 'PuzzleMix',
    'puzzlemix_fast': 'PuzzleMix', 'saliencymix': 'SaliencyMix',
    'zeta_mixup': 'ζ-Mixup', 'multimix': 'MultiMix', 'dense': 'MultiMix',
    'distil': 'MultiMix', 'dense_distil': 'MultiMix',
    'input_mixup_distil': 'Input mixup'}
DATASETS = {'cifar10': 'CIFAR-10', 'cifar100': 'CIFAR-100',
            'tinyimagenet': 'TinyImageNet', 'imagenet': 'ImageNet-1k',
            'fashionmnist': 'Fashion-MNIST', 'digits': 'digits (scikit-learn)',
            'fashion': 'Fashion-MNIST (1,000-image subset)'}
NETWORKS = {'r18': 'PreActResNet-18', 'wrn16-8': 'WRN-16-8',
            'r50': 'ResNet-50', 'vits16': 'ViT-S/16',
            'digits': 'pre-activation WRN-10-2',
            'fashion': 'PreActResNet-18 at 1/8 width'}
# baselines the paper compares in its appendix only (Tables 5-7)
APPENDIX = ('saliencymix', 'zeta_mixup')


# the methods the paper also trains with distillation and the dense loss
# (Table 9: configs <method>_distil, _denseloss, _denseloss_distil)
TABLE9 = ('baseline', 'input_mixup', 'manifold_mixup', 'cutmix',
          'alignmixup')


def _split(name: str):
    """``(network, dataset, method, variant)`` of a config name."""
    if name.startswith(('digits_', 'fashion_')):
        fam, method = name.split('_', 1)
        return fam, fam, method, ''
    net, data, rest = name.split('_', 2)
    if rest.startswith('dense_attn-'):
        return net, data, 'dense', rest[len('dense_'):]
    for method in TABLE9:
        if rest.startswith(method + '_'):
            return net, data, method, rest[len(method) + 1:]
    return net, data, rest, ''


def paper_tables(name: str) -> str:
    """The paper table(s) a config reproduces, from its name."""
    if name.startswith(('faster-rcnn', 'ssd300')):
        return 'Table 4 (transfer to object detection)'
    net, data, method, variant = _split(name)
    if net in ('digits', 'fashion'):
        return ('none: the CPU-sized stand-in for Table 1 (and Tables 9, '
                '10 on digits) measured by this project')
    if data == 'fashionmnist':
        return 'none: Fashion-MNIST is not in the paper (this project)'
    if variant.startswith('attn-'):
        return 'Table 10 (attention in dense MultiMix)'
    if variant:
        return 'Table 9 (distillation and dense loss on other methods)'
    if data == 'imagenet':
        return ('Table 6 (ImageNet, additional baselines)'
                if method in APPENDIX else 'Table 2 (ImageNet, accuracy '
                'and speed)')
    if method in APPENDIX:
        return 'Table 5 (classification) and Table 7 (FGSM / PGD)'
    return 'Table 1 (classification) and Table 3 (FGSM / PGD)'


def collection_of(name: str) -> str:
    if name.startswith(('faster-rcnn', 'ssd300')):
        return 'MultiMix'
    method = _split(name)[2]
    return METHODS[method]


def _configs():
    out = []
    for folder in ('multimix', 'demo', 'detection'):
        path = osp.join(ROOT, 'configs', folder)
        out += [(folder, f[:-3]) for f in sorted(os.listdir(path))
                if f.endswith('.py')]
    return out


def _measured():
    """``{config: (dataset, top-1 accuracies, epochs, cache)}`` of the
    configs the committed caches measure."""
    out = {}
    digits = load_cache(osp.join(ROOT, 'docs', 'reproduction'))
    for row in ('baseline', 'input_mixup', 'manifold_mixup', 'multimix',
                'distil', 'dense', 'dense_distil'):
        cfg = f'digits_{row}'
        accs = [digits[k]['acc'] for s in range(5)
                if (k := legacy_key(cfg, {}, s, None)) in digits]
        if accs:
            out[cfg] = ('digits (scikit-learn), 100 training images',
                        accs, 150, 'docs/reproduction/runs.json (the paper '
                        'study, Table 1 rows, 300 SGD steps)')
    from .long.settings import SETTINGS, steps
    from .records import cells
    long_ = load_cache(osp.join(ROOT, 'docs', 'fashion_long'))
    npc, epochs = SETTINGS['npc'], SETTINGS['long']
    for (row, e), by_seed in cells(long_, npc).get('cpu', {}).items():
        if e == epochs:
            out[f'fashion_{row}'] = (
                f'Fashion-MNIST, {10 * npc:,} training images',
                [by_seed[s]['acc'] for s in sorted(by_seed)], epochs,
                'docs/fashion_long/runs.json (the long study, '
                f'{steps(epochs):,} SGD steps, fp32, CPU)')
    return out


def _epochs_batch(folder, name):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, 'configs', folder, f'{name}.py'))
    return cfg.train_cfg.get('max_epochs'), cfg.train_dataloader.get(
        'batch_size')


def metafile() -> dict:
    """The metafile as a dict (``Collections``, ``Models``)."""
    measured = _measured()
    models, used = [], set()
    for folder, name in _configs():
        coll = collection_of(name)
        used.add(coll)
        if folder == 'detection':
            data, net = ('COCO' if 'coco' in name else 'VOC07+12'), \
                'ResNet-50 (MultiMix ImageNet backbone)'
        else:
            n, d, _, _ = _split(name)
            data, net = DATASETS[d], NETWORKS[n]
        epochs, batch = _epochs_batch(folder, name)
        meta = {'Training Data': data, 'Architecture': [net],
                'Epochs': epochs, 'Batch Size': batch,
                'Paper Table': paper_tables(name)}
        model = {'Name': name, 'In Collection': coll, 'Metadata': meta}
        if name in measured:
            dataset, accs, epochs, cache = measured[name]
            model['Results'] = [{
                'Task': 'Image Classification', 'Dataset': dataset,
                'Metrics': {'Top 1 Accuracy': round(statistics.mean(accs),
                                                    2)},
                'Epochs': epochs, 'Seeds': len(accs), 'Source': cache}]
        model['Config'] = f'configs/{folder}/{name}.py'
        models.append(model)
    collections = []
    for coll in sorted(used, key=lambda c: (c != 'MultiMix', c)):
        title, url = PAPERS[coll]
        techniques = ['SGD with Momentum', 'Weight Decay'] + (
            [] if coll == 'No mixup' else ['Mixup'])
        collections.append({
            'Name': coll, 'Metadata': {'Training Techniques': techniques},
            'Paper': {'Title': title, 'URL': url},
            'README': 'configs/multimix/README.md'})
    return {'Collections': collections, 'Models': models}


def to_yaml(data: dict) -> str:
    import yaml
    return ('# Generated by tools/analysis/make_metafile.py from the configs '
            'and the committed\n# study caches: do not edit by hand.\n' +
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                           width=1000))


README_HEAD = '''# MultiMix

> [Teach me how to Interpolate a Myriad of Embeddings](https://arxiv.org/abs/2206.14868)
> (Venkataramanan, Kijak, Amsaleg, Avrithis; the ICLR 2023 OpenReview
> submission; its NeurIPS 2023 version: "Embedding Space Interpolation
> Beyond Mini-Batch, Beyond Pairs and Beyond Examples")

## Abstract

MultiMix generates an arbitrarily large number of interpolated examples
(n = 1,000 from a mini-batch of m = 128) with one interpolation vector per
example on the simplex (columns of Λ ~ Dirichlet), interpolating the final
embeddings and their targets; dense MultiMix does so at every spatial
position, weighted by attention, and self-distillation adds an EMA
teacher's predictions as targets.

## How to use it

```bash
python tools/train.py configs/multimix/r18_cifar100_multimix.py            # one process
bash tools/dist_train.sh configs/multimix/r50_imagenet_dense_distil.py 8   # 8 GPUs (torchrun)
python tools/test.py configs/multimix/r18_cifar100_multimix.py CKPT        # accuracy (+ --attack, --ood, ...)
```

In your own mmpretrain config: `custom_imports=dict(imports=['mmmultimix'])`
and a `model=` block naming `MultiMixClassifier` and a mixer (the
top-level README has the snippet, `docs/config_reference.md` every option).

## Configs and results

Every config of this folder, `configs/demo` (CPU-sized stand-ins) and
`configs/detection`, with the paper table it reproduces and, where this
project measured it, the test top-1 (mean over the seeds) and the cache it
comes from. No number here is the paper's: the paper's are in its tables
(and beside ours on the pages of `docs/`). Generated with
`python tools/analysis/make_metafile.py` together with `metafile.yml`
(OpenMMLab's model-index format; `model-index.yml` imports it).

'''  # noqa: E501  (Markdown: lines as the README shows them)

README_TAIL = '''
## Citation

```bibtex
@inproceedings{venkataramanan2024multimix,
  title     = {Teach me how to Interpolate a Myriad of Embeddings},
  author    = {Venkataramanan, Shashanka and Kijak, Ewa and Amsaleg, Laurent
               and Avrithis, Yannis},
  booktitle = {International Conference on Learning Representations},
  year      = {2024}
}
```
'''


def readme(data: dict) -> str:
    """``configs/multimix/README.md``: the configs table of the metafile."""
    rows = ['| config | method | data | network | epochs | paper table | '
            'measured top-1 (seeds, schedule; source) |',
            '|---|---|---|---|---|---|---|']
    for m in data['Models']:
        meta = m['Metadata']
        res = m.get('Results')
        measured = '—' if not res else (
            f"{res[0]['Metrics']['Top 1 Accuracy']:.2f} ({res[0]['Seeds']} "
            f"seed{'s' * (res[0]['Seeds'] != 1)}, {res[0]['Epochs']} epochs; "
            f"`{res[0]['Source'].split(' ')[0]}`)")
        rows.append(
            f"| [{m['Name']}](../../{m['Config']}) | {m['In Collection']} | "
            f"{meta['Training Data']} | {meta['Architecture'][0]} | "
            f"{meta['Epochs']} | {meta['Paper Table']} | {measured} |")
    return README_HEAD + '\n'.join(rows) + '\n' + README_TAIL
