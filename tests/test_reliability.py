"""Bad input gets clear errors naming the key; bf16 autocast stays finite."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmmultimix  # noqa: F401
from mmmultimix import functional as Fm

BACKBONE = dict(type='WideResNet', depth=10, widen_factor=1, in_channels=1)
LINEAR = dict(type='LinearClsHead', num_classes=10, in_channels=64)
DENSE = dict(type='DenseLinearClsHead', num_classes=10, in_channels=64)
GAP = dict(type='GlobalAveragePooling')


def _build(**kw):
    cfg = dict(type='MultiMixClassifier', backbone=BACKBONE, neck=GAP,
               head=LINEAR)
    cfg.update(kw)
    return MODELS.build(cfg)


def _samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


BAD_CONFIGS = [
    ('n < 1', dict(mixer=dict(type='MultiMix', n=0)), ValueError,
     'mixer.n'),
    ('alpha <= 0', dict(mixer=dict(type='MultiMix', alpha=0.0)), ValueError,
     'mixer.alpha'),
    ('alpha bad pair', dict(mixer=dict(type='MultiMix', alpha=(2.0, 0.5))),
     ValueError, 'mixer.alpha'),
    ('alpha triple', dict(mixer=dict(type='MultiMix', alpha=(1, 2, 3))),
     TypeError, 'mixer.alpha'),
    ('prob', dict(mixer=dict(type='MultiMix', prob=-0.1)), ValueError,
     'mixer.prob'),
    ('gamma', dict(distill=dict(gamma=1.1)), ValueError,
     'model.distill.gamma'),
    ('momentum = 1', dict(distill=dict(momentum=1.0)), ValueError,
     'model.distill.momentum'),
    ('momentum < 0', dict(distill=dict(momentum=-0.1)), ValueError,
     'model.distill.momentum'),
    ('dense on non-spatial features',
     dict(mixer=dict(type='MultiMix', dense=True), head=DENSE), ValueError,
     'model.neck'),
    ('dense without dense head', dict(mixer=dict(type='MultiMix',
                                                 dense=True), neck=None),
     ValueError, 'DenseLinearClsHead'),
    ('unknown attention', dict(mixer=dict(type='MultiMix', dense=True,
                                          attention='saliency')),
     ValueError, 'mixer.attention'),
    ('unknown attention norm', dict(mixer=dict(type='MultiMix', dense=True,
                                               attention_norm='l2')),
     ValueError, 'mixer.attention_norm'),
    ('layer out of range', dict(mixer=dict(type='MultiMix', layer=7)),
     ValueError, 'model.mixer.layer'),
    ('predict_with', dict(predict_with='ema'), ValueError,
     'model.predict_with'),
    ('teacher without distill', dict(predict_with='teacher'), ValueError,
     'model.predict_with'),
    ('dense loss without dense head', dict(dense_loss=True), ValueError,
     'model.dense_loss'),
    ('input mixup alpha pair',
     dict(mixer=dict(type='InputMixup', alpha=(2, 1))),
     TypeError, r'mixer.alpha must be a number > 0 \(the α of Beta'),
    ('cutmix alpha pair', dict(mixer=dict(type='CutMix', alpha=(1, 2))),
     TypeError, r'mixer.alpha must be a number > 0 \(the α of Beta'),
    ('multimix input_alpha pair',
     dict(mixer=dict(type='MultiMix', input_alpha=(2, 1))),
     TypeError, r'mixer.input_alpha must be a number > 0 \(the α of Beta'),
]


@pytest.mark.parametrize('case,kw,exc,key', BAD_CONFIGS,
                         ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_names_the_key(case, kw, exc, key):
    with pytest.raises(exc, match=key.replace('.', r'\.')):
        _build(**kw)


def test_cam_without_linear_head():
    from mmmultimix.models import DenseLinearClsHead

    class Mlp(DenseLinearClsHead):
        affine_classifier_name = None

    with pytest.raises(ValueError, match="attention='cam'"):
        _build(neck=None, head=Mlp(num_classes=10, in_channels=64),
               mixer=dict(type='MultiMix', dense=True, attention='cam'))


def test_num_classes_mismatch_between_head_and_data():
    model = _build(mixer=dict(type='MultiMix', n=8))
    with pytest.raises(ValueError, match='num_classes'):
        model.loss(torch.randn(3, 1, 8, 8), _samples([0, 3, 12]))
    bad = [DataSample().set_gt_score(torch.ones(7) / 7) for _ in range(2)]
    with pytest.raises(ValueError, match='num_classes'):
        model.loss(torch.randn(2, 1, 8, 8), bad)


def test_missing_dataset_files(tmp_path):
    from mmmultimix.datasets import (OfflineCIFAR10, OfflineCIFAR100,
                                     TinyImageNet)
    for cls in (OfflineCIFAR10, OfflineCIFAR100):
        with pytest.raises(FileNotFoundError, match='data_root'):
            cls(data_root=str(tmp_path))
    with pytest.raises(FileNotFoundError, match='data_root'):
        TinyImageNet(data_root=str(tmp_path))


def test_nan_features_fail_fast_with_iteration():
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('nan-features-test')
    hub.update_info('iter', 41)  # 0-based; the log says 42
    model = _build(mixer=dict(type='MultiMix', n=8, prob=1.0))
    x = torch.randn(3, 1, 8, 8)
    x[0, 0, 0, 0] = float('nan')
    with pytest.raises(FloatingPointError, match='iteration 42'):
        model.loss(x, _samples([0, 1, 2]))


def test_all_zero_attention_falls_back_to_uniform():
    attn = Fm.spatial_attention(torch.zeros(2, 4, 2, 2), 'gap', 'l1relu')
    assert torch.equal(attn, torch.full((2, 4), 0.25))
    attn = Fm.spatial_attention(-torch.ones(2, 4, 2, 2) * torch.tensor(
        [1., -1., 1., -1.]).view(1, 4, 1, 1), 'gap', 'l1relu')
    assert torch.isfinite(attn).all()


def test_negative_eps_attack():
    from mmmultimix.evaluation import fgsm, pgd
    x, y = torch.rand(2, 1, 4, 4), torch.tensor([0, 1])
    with pytest.raises(ValueError, match='eps'):
        fgsm(lambda v: v.flatten(1), x, y, -1 / 255)
    with pytest.raises(ValueError, match='eps'):
        pgd(lambda v: v.flatten(1), x, y, -1 / 255, 1 / 255)
    from mmmultimix.evaluation.loops import AdversarialTestLoop
    with pytest.raises(ValueError, match=r'test_cfg\.attacks\[\]\.eps'):
        AdversarialTestLoop._check(dict(type='FGSM', eps=-0.1))


def test_bad_hook_momentum():
    from mmmultimix.engine import EMASelfDistillHook
    for bad in (0.0, 1.0, 2.0):
        with pytest.raises(ValueError, match='momentum'):
            EMASelfDistillHook(momentum=bad)


VARIANTS = {
    'baseline': dict(),
    'input_mixup': dict(mixer=dict(type='InputMixup', alpha=1.0)),
    'manifold_mixup': dict(mixer=dict(type='ManifoldMixup')),
    'cutmix': dict(mixer=dict(type='CutMix')),
    'multimix': dict(mixer=dict(type='MultiMix', n=100)),
    'dense': dict(mixer=dict(type='MultiMix', n=100, dense=True), neck=None,
                  head=DENSE),
    'distil': dict(mixer=dict(type='MultiMix', n=100),
                   distill=dict(gamma=0.5, momentum=0.01)),
    'dense_distil': dict(mixer=dict(type='MultiMix', n=100, dense=True),
                         neck=None, head=DENSE,
                         distill=dict(gamma=0.5, momentum=0.01)),
}


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_bf16_autocast_cpu_stays_finite_for_20_iterations(variant):
    from mmengine.optim import build_optim_wrapper
    torch.manual_seed(0)
    model = _build(**VARIANTS[variant])
    model.init_weights()
    wrapper = build_optim_wrapper(
        model, dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)))
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        x = torch.randn(2, 16, 1, 8, 8, generator=g)
        labels = torch.randint(0, 10, (16, ), generator=g)
        # an outer bf16 autocast (emulated where the CPU has no bf16)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            losses = model.loss(x, _samples(labels))
        total = sum(v for k, v in losses.items() if 'loss' in k)
        assert torch.isfinite(total), variant
        wrapper.update_params(total)
        model.update_teacher()
    for p in model.parameters():
        assert torch.isfinite(p).all()


def test_batch_note_says_when_the_total_batch_differs():
    import os.path as osp

    from mmengine.config import Config

    from mmmultimix.engine import batch_note
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    cfg = Config.fromfile(osp.join(root, 'configs', 'multimix',
                                   'r50_imagenet_multimix.py'))
    note = batch_note(cfg, world_size=8)
    assert 'total batch 128 x 8 GPU(s) = 1024 differs from the 4096' in note
    assert 'lr 0.1' in note and 'would scale it to 0.025' in note
    cfg.auto_scale_lr.enable = True
    assert 'scales it to 0.025' in batch_note(cfg, world_size=8)
    assert batch_note(cfg, world_size=32) is None
