"""crop_flip_collate: the batched crop + flip gives the batches of
mmpretrain's per-sample pipeline bit for bit (same NumPy draws, same order),
through the data preprocessors and through training."""
import copy
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import FUNCTIONS, DefaultScope
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.registry import TRANSFORMS

import mmmultimix  # noqa: F401
from mmmultimix.datasets import crop_flip_collate, per_sample_pipeline
from mmmultimix.models import MultiViewClsDataPreprocessor

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _samples(shape, m, seed=0):
    rng = np.random.RandomState(seed)
    return [dict(img=rng.randint(0, 256, shape).astype(np.uint8),
                 gt_label=int(rng.randint(10)), sample_idx=i)
            for i in range(m)]


def _per_sample(samples, crop, padding, prob, views):
    steps = per_sample_pipeline(dict(type='crop_flip_collate', crop_size=crop,
                                     padding=padding, flip_prob=prob,
                                     num_views=views))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipe = Compose([TRANSFORMS.build(t) for t in steps])
    return pseudo_collate([pipe(copy.deepcopy(s)) for s in samples])


@pytest.mark.parametrize('shape,crop,padding,prob,views', [
    ((28, 28), 28, 4, 0.5, 1),
    ((28, 28), 28, 4, 0.5, 2),
    ((32, 32, 3), 32, 4, 0.5, 1),
    ((32, 32, 3), 32, 4, 0.3, 2),
    ((12, 10), 8, 0, 0.5, 1),  # crop without padding
    ((8, 8), 8, 0, 1.0, 1),  # no crop drawn, always flipped
])
def test_batches_equal_the_per_sample_pipeline(shape, crop, padding, prob,
                                               views):
    samples = _samples(shape, 37)
    np.random.seed(3)
    want = [_per_sample(samples, crop, padding, prob, views)
            for _ in range(3)]
    state_want = np.random.get_state()[1].copy()
    np.random.seed(3)
    got = [crop_flip_collate(copy.deepcopy(samples), crop, padding, prob,
                             views) for _ in range(3)]
    # the generator ends where the per-sample pipeline leaves it
    assert np.array_equal(np.random.get_state()[1], state_want)
    channels = 3 if len(shape) == 3 else 1
    pre = MultiViewClsDataPreprocessor(mean=[100.0] * channels,
                                       std=[50.0] * channels, num_classes=10)
    for w, g in zip(want, got):
        if views == 1:
            assert torch.equal(torch.stack(w['inputs']), g['inputs'])
        else:
            for wv, gv in zip(w['inputs'], g['inputs']):
                assert torch.equal(torch.stack(list(wv)), gv)
        assert [int(s.gt_label) for s in w['data_samples']] == \
            [int(s.gt_label) for s in g['data_samples']]
        a, b = pre(w, True), pre(g, True)
        assert torch.equal(a['inputs'], b['inputs'])
        assert torch.equal(
            torch.cat([s.gt_label for s in a['data_samples']]),
            torch.cat([s.gt_label for s in b['data_samples']]))
    # the crops differ between draws (the test would pass on constants)
    assert not torch.equal(got[0]['inputs'] if views == 1 else
                           got[0]['inputs'][0], got[1]['inputs'] if
                           views == 1 else got[1]['inputs'][0]) or prob == 1


def test_single_view_is_what_cls_data_preprocessor_expects():
    samples = _samples((28, 28), 5)
    out = crop_flip_collate(samples, 28, 4)
    assert out['inputs'].shape == (5, 1, 28, 28)
    assert out['inputs'].dtype == torch.uint8
    x = ClsDataPreprocessor(mean=[0.0], std=[1.0])(out, True)['inputs']
    assert x.shape == (5, 1, 28, 28) and x.dtype == torch.float32


@pytest.mark.parametrize('kw,match', [
    (dict(crop_size=40, padding=4), r'collate_fn.crop_size \(40, 40\) '
     r'exceeds the padded image \(36, 36\)'),
    (dict(crop_size=28, padding=-1), r'collate_fn: crop_size must be >= 1 '
     'and padding >= 0'),
    (dict(crop_size=28, flip_prob=1.5), r'collate_fn.flip_prob must be in '
     r'\[0, 1\]'),
    (dict(crop_size=28, num_views=0), r'collate_fn.num_views must be an '
     'integer >= 1'),
    (dict(crop_size='28'), 'collate_fn.crop_size must be an int'),
])
def test_bad_settings_name_the_key(kw, match):
    with pytest.raises(ValueError, match=match):
        crop_flip_collate(_samples((28, 28), 2), **kw)


def test_packed_samples_get_a_clear_error():
    packed = [dict(inputs=torch.zeros(1, 28, 28), data_samples=None)]
    with pytest.raises(ValueError, match=r'set the dataset pipeline to \[\]'):
        crop_flip_collate(packed, 28, 4)


def test_registered_for_configs():
    assert FUNCTIONS.get('crop_flip_collate') is crop_flip_collate


def _train(cfg_name, opts, iters=3):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo', cfg_name))
    cfg.merge_from_dict(dict(opts, **{
        'train_dataloader.dataset.num_per_class': 5,
        'train_dataloader.batch_size': 16}))
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.param_scheduler = []
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1,
                                        save_last=False)
    cfg.randomness = dict(seed=7)
    cfg.log_level = 'ERROR'
    cfg.experiment_name = f'bv_{np.random.randint(1 << 30)}_{cfg_name}'
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        cfg.work_dir = tmp
        runner = Runner.from_cfg(cfg)
        runner.train()
    return [p.detach().clone() for p in runner.model.parameters()]


@pytest.mark.parametrize('cfg_name', ['fashion_multimix.py',
                                      'fashion_dense_distil.py'])
def test_training_equals_the_per_sample_pipeline(cfg_name):
    """The Fashion-MNIST family trains the same weights, bit for bit, with
    its batched collate as with mmpretrain's per-sample pipeline."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo', cfg_name))
    coll = cfg.train_dataloader.collate_fn
    assert coll.type == 'crop_flip_collate'
    assert cfg.train_dataloader.dataset.pipeline == []
    per_sample = {
        'train_dataloader.collate_fn': dict(_delete_=True,
                                            type='pseudo_collate'),
        'train_dataloader.dataset.pipeline': per_sample_pipeline(coll)}
    # the pipeline it stands for is mmpretrain's CIFAR augmentation
    base = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'datasets',
                                    'fashion_mnist.py'))
    want = base.distil_pipeline if 'distil' in cfg_name else \
        base.train_pipeline
    assert per_sample_pipeline(coll) == want
    a = _train(cfg_name, {})
    b = _train(cfg_name, per_sample)
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_step_breakdown_prints_both_data_paths():
    import re
    import subprocess
    import sys
    out = subprocess.run(
        [sys.executable, 'tools/analysis/step_breakdown.py',
         'fashion_multimix', '--npc', '3', '--epochs', '3', '--per-sample'],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert out.returncode == 0, out.stderr[-3000:]
    rows = re.findall(r'^(per-sample pipeline|batched collate) +([0-9.]+) +'
                      r'([0-9.]+) +([0-9.]+) +(-?[0-9.]+)$', out.stdout,
                      flags=re.M)
    assert [r[0] for r in rows] == ['per-sample pipeline', 'batched collate']
    for _, total, step, data, rest in rows:
        assert float(total) > 0 and float(step) > 0 and float(data) > 0
        assert abs(float(step) + float(data) + float(rest) -
                   float(total)) < 0.2  # the parts add up (rounding)
    assert re.search(r'data loading: [0-9.]+x the per-sample time',
                     out.stdout)


def test_per_sample_pipeline_refuses_other_collates():
    with pytest.raises(ValueError, match='not a crop_flip_collate config'):
        per_sample_pipeline(dict(type='pseudo_collate'))
