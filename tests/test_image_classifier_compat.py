"""``MultiMixClassifier`` is an ``ImageClassifier``: the behaviours that
mmpretrain 1.2's own ``TestImageClassifier`` checks (build, properties,
pretrained init, batch augments from ``train_cfg``, feature extraction at
every stage, with and without neck and head, loss, predict, forward in its
three modes, train/val/test steps), written here against our class, with
and without a mixer. Without a head the model extracts features; training
or predicting then raises an error naming ``model.head``."""
import copy

import pytest
import torch
from mmengine.config import ConfigDict

import mmmultimix  # noqa: F401
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

BASE = dict(
    type='MultiMixClassifier',
    backbone=dict(type='ResNet', depth=18),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512,
              loss=dict(type='CrossEntropyLoss')))
MIXERS = {'no mixer': None,
          'MultiMix': dict(type='MultiMix', n=16)}


@pytest.fixture(params=list(MIXERS), ids=list(MIXERS))
def args(request):
    cfg = copy.deepcopy(BASE)
    if MIXERS[request.param] is not None:
        cfg['mixer'] = copy.deepcopy(MIXERS[request.param])
    return cfg


def _inputs(n=2, size=32):
    torch.manual_seed(0)
    return torch.rand(n, 3, size, size)


def _samples(n=2):
    return [DataSample().set_gt_label(i % 10) for i in range(n)]


def test_initialize(args):
    model = MODELS.build(args)
    assert model.with_neck and model.with_head
    model = MODELS.build({**args, 'pretrained': 'checkpoint'})
    assert model.init_cfg == dict(type='Pretrained', checkpoint='checkpoint')
    model = MODELS.build({**args, 'train_cfg': dict()})
    assert model.data_preprocessor.batch_augments is None


def test_batch_augments_from_train_cfg():
    """As ImageClassifier: ``train_cfg.augments`` becomes the data
    preprocessor's batch augments (without a mixer; with one it is an
    error, tested in test_safety)."""
    model = MODELS.build({**BASE, 'train_cfg': dict(
        augments=dict(type='Mixup', alpha=1.))})
    assert model.data_preprocessor.batch_augments is not None


def test_extract_feat_every_stage(args):
    cfg = ConfigDict(copy.deepcopy(args))
    cfg.backbone.out_indices = (0, 1, 2, 3)
    model = MODELS.build(cfg)
    x = _inputs(1, 64)
    feats = model.extract_feat(x, stage='backbone')
    assert [f.shape[1:] for f in feats] == [
        (64, 16, 16), (128, 8, 8), (256, 4, 4), (512, 2, 2)]
    feats = model.extract_feat(x, stage='neck')
    assert [f.shape for f in feats] == [(1, 64), (1, 128), (1, 256),
                                        (1, 512)]
    assert model.extract_feat(x, stage='pre_logits').shape == (1, 512)
    with pytest.raises(AssertionError, match='Invalid output stage'):
        model.extract_feat(x, stage='unknown')


def test_without_neck_and_without_head(args):
    x = _inputs(1, 64)
    cfg = copy.deepcopy(args)
    cfg.pop('neck')
    cfg['backbone']['out_indices'] = (0, 1, 2, 3)
    cfg.pop('head')
    model = MODELS.build(cfg)
    assert not model.with_neck and not model.with_head
    assert [f.shape[1] for f in model.extract_feat(x, stage='neck')] == [
        64, 128, 256, 512]
    with pytest.raises(AssertionError, match='No head'):
        model.extract_feat(x, stage='pre_logits')
    # a headless model's tensor forward returns the features
    outs = model(x)
    assert isinstance(outs, tuple) and outs[-1].shape == (1, 512, 2, 2)


@pytest.mark.parametrize('mixer', list(MIXERS))
def test_headless_training_names_model_head(mixer):
    cfg = copy.deepcopy(BASE)
    cfg.pop('head')
    if MIXERS[mixer] is not None:
        cfg['mixer'] = copy.deepcopy(MIXERS[mixer])
    model = MODELS.build(cfg)
    assert model(_inputs())[-1].shape == (2, 512)  # the neck's output
    for call in (lambda: model.loss(_inputs(), _samples()),
                 lambda: model(_inputs(), _samples(), mode='loss'),
                 lambda: model.predict(_inputs()),
                 lambda: model.num_classes):
        with pytest.raises(ValueError, match='model.head'):
            call()


def test_headless_distil_or_dense_is_a_build_error():
    for extra, key in ((dict(distill=dict()), 'model.distill'),
                       (dict(dense_loss=True, neck=None), 'model.dense_loss')):
        cfg = copy.deepcopy(BASE)
        cfg.pop('head')
        cfg.update(extra)
        with pytest.raises(ValueError, match=key):
            MODELS.build(cfg)


def test_loss(args):
    model = MODELS.build(args)
    losses = model.loss(_inputs(4), _samples(4))
    assert losses['loss'].item() > 0


def test_predict(args):
    model = MODELS.build(args).eval()
    x = _inputs()
    preds = model.predict(x)
    assert len(preds) == 2 and preds[0].pred_score.shape == (10, )
    preds = model.predict(x, _samples())
    assert preds[0].gt_label.item() == 0 and preds[1].gt_label.item() == 1
    with torch.no_grad():
        logits = model(x)
    assert torch.allclose(torch.stack([p.pred_score for p in preds]),
                          logits.softmax(1), atol=1e-6)


def test_forward_modes(args):
    model = MODELS.build(args)
    x = _inputs()
    assert isinstance(model(x), torch.Tensor) and model(x).shape == (2, 10)
    assert model(_inputs(4), _samples(4), mode='loss')['loss'].item() > 0
    model.eval()
    preds = model(x, mode='predict')
    assert len(preds) == 2 and preds[0].pred_label.shape == (1, )
    with pytest.raises(RuntimeError, match='Invalid mode "unknown"'):
        model(x, mode='unknown')


def test_train_val_test_steps(args):
    from mmengine.optim import OptimWrapper
    model = MODELS.build({**args, 'data_preprocessor': dict(
        mean=[127.5] * 3, std=[127.5] * 3, to_rgb=True)})
    data = dict(inputs=[(255 * _inputs(1)[0]).byte() for _ in range(4)],
                data_samples=_samples(4))
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log_vars = model.train_step(copy.deepcopy(data), wrapper)
    assert log_vars['loss'].item() > 0
    model.eval()
    for step in (model.val_step, model.test_step):
        preds = step(copy.deepcopy(data))
        assert len(preds) == 4 and preds[0].pred_label.shape == (1, )
