"""MultiMixClassifier and the mixers on real mmpretrain modules."""
import copy
import os.path as osp

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmmultimix  # noqa: F401
from mmmultimix import functional as Fm
from mmmultimix.models import MultiMixPlan, PairPlan

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def _model(backbone=None, head=None, mixer=None, neck=True, **kw):
    backbone = backbone or dict(type='PreActResNet', depth=18,
                                base_channels=8)
    head = head or dict(type='LinearClsHead', num_classes=5, in_channels=64)
    cfg = dict(type='MultiMixClassifier', backbone=backbone, head=head,
               mixer=mixer, **kw)
    if neck:
        cfg['neck'] = dict(type='GlobalAveragePooling')
    torch.manual_seed(0)
    return MODELS.build(cfg)


def _grads(model):
    return {k: p.grad.clone() for k, p in model.named_parameters()
            if p.grad is not None}


@pytest.mark.parametrize('head', [
    dict(type='LinearClsHead', num_classes=5, in_channels=64),
    dict(type='VisionTransformerClsHead', num_classes=5, in_channels=64),
])
def test_logit_path_equals_embedding_path(head):
    """Λᵀ(WZ+b) = W(ΛᵀZ)+b: same loss and gradients to 1e-5."""
    if head['type'] == 'VisionTransformerClsHead':
        backbone = dict(type='VisionTransformer', arch=dict(
            embed_dims=64, num_layers=1, num_heads=2, feedforward_channels=64),
            img_size=16, patch_size=8)
        neck = False
    else:
        backbone, neck = None, True
    mixer = dict(type='MultiMix', n=300, prob=1.0)
    a = _model(backbone, head, mixer, neck=neck, interpolate_logits=True)
    b = _model(backbone, head, mixer, neck=neck, interpolate_logits=False)
    b.load_state_dict(a.state_dict())
    a.train(), b.train()
    x = torch.randn(6, 3, 16, 16)
    samples = _samples([0, 1, 2, 3, 4, 0])
    # identical Λ for both: fix the generator
    a.mixer.generator = torch.Generator().manual_seed(3)
    b.mixer.generator = torch.Generator().manual_seed(3)
    a.zero_grad(), b.zero_grad()
    la = a.loss(x, copy.deepcopy(samples))['loss']
    lb = b.loss(x, copy.deepcopy(samples))['loss']
    la.backward(), lb.backward()
    torch.testing.assert_close(la, lb, rtol=1e-5, atol=1e-6)
    ga, gb = _grads(a), _grads(b)
    assert ga.keys() == gb.keys() and len(ga) > 0
    for k in ga:
        torch.testing.assert_close(ga[k], gb[k], rtol=1e-4, atol=1e-5)


def test_multimix_loss_equals_eq8_by_hand():
    model = _model(mixer=dict(type='MultiMix', n=50, prob=1.0))
    model.mixer.generator = torch.Generator().manual_seed(5)
    x = torch.randn(4, 3, 16, 16)
    labels = torch.tensor([0, 3, 1, 3])
    loss = model.loss(x, _samples(labels))['loss']
    lam = Fm.sample_lambda(4, 50, generator=torch.Generator().manual_seed(5))
    # the first draw of the generator decides the branch when prob < 1 only
    z = model.extract_feat(x)[-1]
    y = torch.nn.functional.one_hot(labels, 5).float()
    zt, yt = lam.t() @ z, lam.t() @ y
    logp = torch.log_softmax(model.head.fc(zt), 1)
    ref = -(yt * logp).sum(1).mean()
    torch.testing.assert_close(loss, ref, rtol=1e-5, atol=1e-6)


def test_branch_probability():
    mixer = MODELS.build(dict(type='MultiMix', n=10, prob=0.3))
    mixer.generator = torch.Generator().manual_seed(0)
    plans = [mixer.sample(4) for _ in range(2000)]
    frac = sum(isinstance(p, MultiMixPlan) for p in plans) / len(plans)
    assert abs(frac - 0.3) < 0.04
    pairs = [p for p in plans if not isinstance(p, MultiMixPlan)]
    assert all(isinstance(p, PairPlan) for p in pairs)
    assert all(p.layer == 0 for p in pairs)
    assert all(sorted(p.index.tolist()) == [0, 1, 2, 3] for p in pairs)


@pytest.mark.parametrize('layer', [0, 1, 2, 3, 4])
def test_intermediate_layer_matches_manual_split(layer):
    model = _model(mixer=dict(type='MultiMix', n=7, prob=1.0, layer=layer))
    model.train()
    x = torch.randn(3, 3, 16, 16)
    y = torch.eye(5)[[0, 1, 2]]
    lam = Fm.sample_lambda(3, 7, generator=torch.Generator().manual_seed(1))
    plan = MultiMixPlan(layer, lam)
    logits, yt = model.mixed_logits(x, y, plan)
    assert logits.shape == (7, 5)
    torch.testing.assert_close(yt, lam.t() @ y)
    bb = model.backbone
    h = bb.forward_stages(x, 0, layer)
    h = (lam.t() @ h.flatten(1)).reshape(7, *h.shape[1:])
    h = bb.forward_stages(h, layer, 4)
    ref = model.head.fc(h.mean((2, 3)))
    torch.testing.assert_close(logits, ref, rtol=1e-4, atol=1e-5)


def test_staged_mmpretrain_resnet_matches_forward():
    model = _model(
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        head=dict(type='LinearClsHead', num_classes=5, in_channels=512),
        mixer=dict(type='ManifoldMixup', layers=(0, 1, 2, 3, 4)))
    model.eval()
    from mmmultimix.models.utils import forward_stages
    x = torch.randn(2, 3, 32, 32)
    full = model.backbone(x)[-1]
    h = forward_stages(model.backbone, x, 0, 2)
    torch.testing.assert_close(forward_stages(model.backbone, h, 2, 4), full)


def test_input_and_manifold_mixup_losses():
    for mixer in (dict(type='InputMixup', alpha=1.0),
                  dict(type='ManifoldMixup', alpha=2.0, layers=(0, 1, 2))):
        model = _model(mixer=mixer)
        loss = model.loss(torch.randn(5, 3, 16, 16), _samples([0, 1, 2, 3, 4]))
        loss['loss'].backward()
        assert torch.isfinite(loss['loss'])
        assert model.backbone.stem.weight.grad.abs().sum() > 0


def test_inference_is_unchanged_classifier():
    from mmpretrain.models import ImageClassifier
    model = _model(mixer=dict(type='MultiMix'))
    plain = ImageClassifier(
        backbone=dict(type='PreActResNet', depth=18, base_channels=8),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=5, in_channels=64))
    state = model.state_dict()
    # everything but the mixer's RNG state is the plain classifier's
    mixer_keys = [k for k in state if k.startswith('mixer')]
    assert mixer_keys == ['mixer._extra_state']
    del state['mixer._extra_state']
    plain.load_state_dict(state)
    model.eval(), plain.eval()
    x = torch.randn(2, 3, 16, 16)
    torch.testing.assert_close(model(x), plain(x))


@pytest.mark.parametrize('m', [1, 2, 3])
@pytest.mark.parametrize('mixer', [
    dict(type='MultiMix', n=20), dict(type='InputMixup'),
    dict(type='ManifoldMixup'), None
])
def test_odd_batch_sizes(m, mixer):
    model = _model(mixer=mixer)
    loss = model.loss(torch.randn(m, 3, 16, 16), _samples(range(m)))['loss']
    loss.backward()
    assert torch.isfinite(loss)


@pytest.mark.parametrize('mixer,match', [
    (dict(type='MultiMix', n=0), 'mixer.n'),
    (dict(type='MultiMix', alpha=0.0), 'mixer.alpha'),
    (dict(type='MultiMix', alpha=(2.0, 1.0)), 'mixer.alpha'),
    (dict(type='MultiMix', prob=1.5), 'mixer.prob'),
    (dict(type='MultiMix', layer=9), 'model.mixer.layer'),
    (dict(type='MultiMix', layer='middle'), 'mixer.layer'),
    (dict(type='InputMixup', alpha=-1.0), 'mixer.alpha'),
    (dict(type='ManifoldMixup', layers=()), 'mixer.layers'),
])
def test_bad_mixer_config(mixer, match):
    with pytest.raises((ValueError, TypeError), match=match):
        _model(mixer=mixer)


def test_intermediate_layer_on_vit_is_refused():
    with pytest.raises(ValueError, match='model.mixer.layer'):
        _model(
            backbone=dict(type='VisionTransformer', arch='deit-tiny',
                          img_size=32, patch_size=16),
            head=dict(type='VisionTransformerClsHead', num_classes=5,
                      in_channels=192),
            neck=False,
            mixer=dict(type='MultiMix', layer=2))


def test_label_out_of_range_names_num_classes():
    model = _model(mixer=dict(type='MultiMix', n=4))
    with pytest.raises(ValueError, match='num_classes'):
        model.loss(torch.randn(2, 3, 16, 16), _samples([0, 7]))


def test_backbones_shapes():
    from mmpretrain.registry import MODELS as M
    r18 = M.build(dict(type='PreActResNet', depth=18))
    assert r18(torch.randn(2, 3, 32, 32))[-1].shape == (2, 512, 4, 4)
    wrn = M.build(dict(type='WideResNet', depth=16, widen_factor=8))
    assert wrn(torch.randn(2, 3, 32, 32))[-1].shape == (2, 512, 8, 8)
    n_params = sum(p.numel() for p in r18.parameters())
    assert 11.0e6 < n_params < 11.3e6  # PreActResNet-18: 11.17 M
    n_params = sum(p.numel() for p in wrn.parameters())
    assert 10.9e6 < n_params < 11.1e6  # WRN-16-8: 11.0 M


def test_cutmix_box_and_targets():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, 10, 10)
    x0 = x.clone()
    y = torch.eye(4)
    idx = torch.tensor([1, 2, 3, 0])
    box = Fm.sample_cutmix_box(0.64, g)
    assert box[2] == pytest.approx(0.6)
    xm, ym = Fm.cutmix(x, y, box, idx)
    assert torch.equal(x, x0)  # input untouched
    y1, y2, x1, x2 = Fm.cutmix_box_pixels(box, 10, 10)
    inside = torch.zeros(10, 10, dtype=torch.bool)
    inside[y1:y2, x1:x2] = True
    assert torch.equal(xm[:, :, inside], x[idx][:, :, inside])
    assert torch.equal(xm[:, :, ~inside], x[:, :, ~inside])
    lam = 1 - inside.float().mean()
    torch.testing.assert_close(ym, lam * y + (1 - lam) * y[idx])


def test_dense_loss_for_pairs_matches_manual():
    model = _model(
        head=dict(type='DenseLinearClsHead', num_classes=5, in_channels=64,
                  dense_size=2),
        mixer=dict(type='InputMixup', alpha=1.0), neck=False,
        dense_loss=True)
    state = model.mixer.generator.get_state()
    x = torch.randn(4, 3, 16, 16)
    labels = torch.tensor([0, 1, 2, 3])
    loss = model.loss(x, _samples(labels))['loss']
    g = torch.Generator().set_state(state)
    lam = Fm.sample_beta(1.0, generator=g)
    idx = torch.randperm(4, generator=g)
    y = torch.nn.functional.one_hot(labels, 5).float()
    xm, ym = Fm.pair_mix(x, y, lam, idx)
    fmap = model.head.dense_map(model.backbone(xm))
    logits = model.head.dense_logits(fmap)  # (m, c, r)
    ref = 0.0
    for j in range(4):
        ref = ref - (ym * torch.log_softmax(logits[:, :, j], 1)).sum(1).mean()
    torch.testing.assert_close(loss, ref / 4, rtol=1e-5, atol=1e-6)


def test_dense_loss_r1_equals_standard_loss():
    kw = dict(head=dict(type='DenseLinearClsHead', num_classes=5,
                        in_channels=64, dense_size=1), neck=False)
    a = _model(**kw, dense_loss=True)
    b = _model(**kw)
    x, s = torch.randn(3, 3, 16, 16), _samples([0, 4, 2])
    torch.testing.assert_close(a.loss(x, s)['loss'], b.loss(x, s)['loss'])


def test_alignmixup_r18_layout_matches_its_forward():
    """PreActResNet(stem_norm=True, identity_from='activation',
    final_norm=False) is AlignMixup's ResNet18(): conv-BN-ReLU stem, every
    block ``conv2(relu(bn2(conv1(a)))) + shortcut(a)`` with ``a =
    relu(bn1(x))`` (an identity shortcut is ``a``), no final BN-ReLU."""
    import torch.nn.functional as F
    bb = MODELS.build(dict(type='PreActResNet', depth=18, base_channels=8,
                           stem_norm=True, identity_from='activation',
                           final_norm=False))
    bb.init_weights()
    bb.eval()
    x = torch.randn(2, 3, 16, 16)

    def reference(x):
        conv, bn = bb.stem[0], bb.stem[1]
        out = F.relu(bn(conv(x)))
        for stage in bb.stages:
            for blk in stage:
                a = F.relu(blk.bn1(out))
                sc = blk.shortcut(a) if blk.shortcut is not None else a
                out = blk.conv2(F.relu(blk.bn2(blk.conv1(a)))) + sc
        return out

    with torch.no_grad():
        emb = bb(x)[0]
        torch.testing.assert_close(emb, reference(x))
    assert emb.min() < 0  # no final ReLU: embeddings can be negative
    he = MODELS.build(dict(type='PreActResNet', depth=18, base_channels=8))
    he.eval()
    with torch.no_grad():
        assert he(x)[0].min() >= 0  # He et al.'s layout ends in BN-ReLU


def test_paper_r18_configs_use_alignmixups_layout():
    from mmengine.config import Config
    for name in ('r18_cifar10_baseline', 'r18_cifar100_dense',
                 'r18_tinyimagenet_distil'):
        cfg = Config.fromfile(osp.join(ROOT, 'configs', 'multimix',
                                       name + '.py'))
        bb = cfg.model.backbone
        assert (bb.stem_norm, bb.identity_from, bb.final_norm) == \
            (True, 'activation', False), name


def test_alignmixup_wrn_layout_matches_its_forward():
    """WideResNet(block='wide_basic', final_norm_cfg=BN momentum 0.9) is
    AlignMixup's Wide_ResNet: per block ``conv2(relu(bn2(conv1(relu(bn1(
    x)))))) + shortcut(x)`` with the second conv strided, biased convs, a
    1×1 projection of the raw input, then BN(momentum 0.9)-ReLU."""
    import torch.nn.functional as F
    bb = MODELS.build(dict(type='WideResNet', depth=16, widen_factor=2,
                           block='wide_basic',
                           final_norm_cfg=dict(type='BN', momentum=0.9)))
    bb.init_weights()
    bb.eval()
    x = torch.randn(2, 3, 16, 16)

    def reference(x):
        out = bb.stem(x)
        for stage in bb.stages:
            for blk in stage:
                y = blk.conv1(F.relu(blk.bn1(out)))
                y = blk.conv2(F.relu(blk.bn2(y)))
                out = y + (blk.shortcut(out) if blk.shortcut is not None
                           else out)
        return F.relu(bb.final[0](out))

    with torch.no_grad():
        torch.testing.assert_close(bb(x)[0], reference(x))
    first = bb.stages[1][0]
    assert first.conv1.stride == (1, 1) and first.conv2.stride == (2, 2)
    assert first.conv1.bias is not None and bb.stem.bias is not None
    assert bb.final[0].momentum == 0.9
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'multimix',
                                   'wrn16-8_cifar100_multimix.py'))
    assert cfg.model.backbone.block == 'wide_basic'
    assert cfg.model.backbone.final_norm_cfg.momentum == 0.9
