"""Every shipped classification config builds and runs 2 train iterations
and 1 validation on tiny data in its real on-disk format."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmmultimix  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'multimix', '*.py')))
FAMILIES = ('r18_cifar10', 'r18_cifar100', 'wrn16-8_cifar10',
            'wrn16-8_cifar100', 'r18_tinyimagenet', 'r50_imagenet',
            'vits16_imagenet', 'r18_fashionmnist')
DEMO = sorted(glob.glob(osp.join(ROOT, 'configs', 'demo', '*.py')))
# the CPU-sized Fashion-MNIST family of the study (reproduce.py --study
# fashion)
FASHION_CPU = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'demo', 'fashion_*.py')))


def _small_images(pipeline, size=32):
    for t in pipeline:
        if t.type == 'RandomResizedCrop':
            t.scale = size
        elif t.type == 'ResizeEdge':
            t.scale = size + size // 8
        elif t.type == 'CenterCrop':
            t.crop_size = size
        elif t.type == 'MultiView':
            for sub in t.transforms:
                _small_images(sub, size)


def shrink(cfg, roots, work_dir, size=32):
    """Tiny-data overrides: 2 iterations, 1 validation, small images
    (``size`` pixels for ImageNet configs)."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dl = cfg[key]
        dl.batch_size = 4
        dl.num_workers = 0
        dl.persistent_workers = False
        ds = dl.dataset
        if ds.type in roots:
            ds.data_root = roots[ds.type]
        if ds.type == 'FashionMNISTSplit':  # the real files, 8 images
            ds.indices = 8
        if ds.type == 'ImageNet':  # image-size override
            _small_images(ds.pipeline, size)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 1
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    return cfg


@pytest.mark.parametrize('path', CONFIGS + FASHION_CPU, ids=osp.basename)
def test_config_trains_two_iters(path, fake_roots, no_cifar_md5, tmp_path):
    name = osp.basename(path)
    # AlignMixup aligns positions of R-50's last map: 64 pixels give 2x2
    cfg = shrink(Config.fromfile(path), fake_roots, str(tmp_path),
                 64 if 'imagenet_alignmixup' in name else 32)
    assert cfg.model.type == 'MultiMixClassifier'
    if name.startswith(tuple(f'{f}_baseline'
                             for f in FAMILIES + ('fashion', ))):
        assert cfg.model.get('mixer') is None
    else:
        assert cfg.model.mixer.type in ('MultiMix', 'InputMixup',
                                        'ManifoldMixup', 'CutMix',
                                        'AlignMixup', 'ZetaMixup',
                                        'PuzzleMix', 'SaliencyMix')
        if cfg.model.mixer.type == 'PuzzleMix':  # the official loss
            # CIFAR / TinyImageNet code: BCE of the softmax; ImageNet code:
            # the mixed pair's CE and the clean loss clean_lam * CE
            imagenet = name.startswith('r50_imagenet')
            assert cfg.model.head.loss.type == (
                'WeightedSoftCrossEntropyLoss' if imagenet else
                'SoftmaxBCELoss')
            assert cfg.model.mixer.get('clean_loss', 'cifar') == (
                'imagenet' if imagenet else 'cifar')
        if name.endswith('_multimix.py'):
            # input-mixup half: Beta(2, 2), AlignMixup's alpha (issue 17)
            assert cfg.model.mixer.input_alpha == 2.0
            assert cfg.model.mixer.n == 1000
            assert tuple(cfg.model.mixer.alpha) == (0.5, 2.0)
            assert cfg.model.mixer.prob == 0.5
    if 'denseloss' in name:
        assert cfg.model.dense_loss and cfg.model.neck is None
    if name.endswith('_distil.py') or '_distil' in name:
        assert cfg.model.distill.gamma == 0.5
        assert [h.type for h in cfg.custom_hooks] == [
            'RNGStateHook', 'EMASelfDistillHook']
        # two views: per sample (MultiView) or batched (crop_flip_collate)
        coll = cfg.train_dataloader.get('collate_fn', {})
        assert cfg.train_dataloader.dataset.pipeline[-2].type == 'MultiView' \
            if coll.get('type') != 'crop_flip_collate' else \
            coll.num_views == 2 and cfg.train_dataloader.dataset.pipeline == []
    runner = Runner.from_cfg(cfg)
    losses = []
    runner.register_hook(_LossRecorder(losses), priority='LOWEST')
    runner.train()
    assert runner.iter == 2
    assert len(losses) == 2 and all(torch.isfinite(torch.tensor(losses)))
    model = runner.model
    if model.teacher is not None:  # the hook ran after both iterations
        assert int(model.teacher.steps) == 2
    metrics = runner.val_loop.run()
    assert 0.0 <= metrics['accuracy/top1'] <= 100.0


def test_config_family_complete():
    assert {osp.basename(p)[:-3] for p in FASHION_CPU} == {
        f'fashion_{m}' for m in ('baseline', 'input_mixup', 'manifold_mixup',
                                 'cutmix', 'multimix', 'dense', 'distil',
                                 'dense_distil', 'input_mixup_distil') +
        BASELINES}
    names = {osp.basename(p)[:-3] for p in CONFIGS}
    for fam in FAMILIES:
        for method in ('baseline', 'input_mixup', 'manifold_mixup',
                       'multimix', 'dense', 'distil', 'dense_distil'):
            assert f'{fam}_{method}' in names


BASELINES = ('alignmixup', 'puzzlemix', 'zeta_mixup', 'saliencymix')


def test_baseline_configs_complete():
    """Every paper family in which the paper reports a baseline has its
    config (issue 24); Table 9 puts distillation and the dense loss on
    AlignMixup."""
    names = {osp.basename(p)[:-3] for p in CONFIGS}
    for fam in ('r18_cifar10', 'r18_cifar100', 'wrn16-8_cifar10',
                'wrn16-8_cifar100', 'r18_tinyimagenet'):
        for method in BASELINES:
            assert f'{fam}_{method}' in names
    for method in ('alignmixup', 'puzzlemix'):
        assert f'r50_imagenet_{method}' in names
    for suffix in ('_distil', '_denseloss', '_denseloss_distil'):
        assert f'r18_cifar100_alignmixup{suffix}' in names


def test_table9_configs_complete():
    names = {osp.basename(p)[:-3] for p in CONFIGS}
    for method in ('baseline', 'input_mixup', 'manifold_mixup', 'cutmix'):
        for suffix in ('', '_distil', '_denseloss', '_denseloss_distil'):
            assert f'r18_cifar100_{method}{suffix}' in names


def test_paper_schedules():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/multimix/'
                                   'r18_cifar100_multimix.py'))
    assert cfg.train_cfg.max_epochs == 2000
    assert cfg.param_scheduler.milestones == [500, 1000, 1500]
    assert cfg.optim_wrapper.optimizer.lr == 0.1
    assert cfg.optim_wrapper.optimizer.weight_decay == 1e-4
    assert cfg.train_dataloader.batch_size == 128
    ti = Config.fromfile(osp.join(ROOT, 'configs/multimix/'
                                  'r18_tinyimagenet_multimix.py'))
    assert ti.train_cfg.max_epochs == 1200
    assert ti.param_scheduler.milestones == [600, 900]
    vit = Config.fromfile(osp.join(ROOT, 'configs/multimix/'
                                   'vits16_imagenet_multimix.py'))
    assert vit.optim_wrapper.optimizer.type == 'AdamW'
    assert vit.optim_wrapper.optimizer.lr == 0.01


def test_missing_cifar_files_message(tmp_path):
    from mmmultimix.datasets import OfflineCIFAR100
    with pytest.raises(FileNotFoundError, match='data_root'):
        OfflineCIFAR100(data_root=str(tmp_path), split='train')


def test_missing_tiny_imagenet_message(tmp_path):
    from mmmultimix.datasets import TinyImageNet
    with pytest.raises(FileNotFoundError, match='data_root'):
        TinyImageNet(data_root=str(tmp_path), split='train')


class _LossRecorder(Hook):
    """Records the training loss of each iteration."""

    def __init__(self, out):
        self.out = out

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.out.append(float(outputs['loss'].detach()))
