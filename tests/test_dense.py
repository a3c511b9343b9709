"""Dense MultiMix: head, loss and classifier vs. loops over eqs. 10-15."""
import copy

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmmultimix  # noqa: F401
from mmmultimix import functional as Fm
from mmmultimix.models import DenseLinearClsHead


def _samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def _model(attention='gap', norm='l1relu', dense_size=None, n=40,
           attention_grad=False, loss=None, **kw):
    torch.manual_seed(0)
    head = dict(type='DenseLinearClsHead', num_classes=5, in_channels=64,
                dense_size=dense_size)
    if loss is not None:  # the head's loss is the training loss
        head['loss'] = loss
    return MODELS.build(
        dict(type='MultiMixClassifier',
             backbone=dict(type='PreActResNet', depth=18, base_channels=8),
             neck=None,
             head=head,
             mixer=dict(type='MultiMix', n=n, prob=1.0, dense=True,
                        attention=attention, attention_norm=norm,
                        attention_grad=attention_grad),
             **kw))


def loop_dense_loss(fmap, Y, W, b, attn_mode, norm, lam,
                    attention_grad=True):
    """Eqs. 10-15 with explicit loops over positions j and tuples k."""
    m, d, h, w = fmap.shape
    r = h * w
    z = fmap.reshape(m, d, r)
    a = torch.zeros(m, r, dtype=fmap.dtype)
    for i in range(m):  # eq. 10
        if attn_mode == 'uniform':
            a[i] = 1.0 / r
            continue
        u = z[i].mean(1) if attn_mode == 'gap' else W.t() @ Y[i]
        sc = torch.stack([z[i][:, j] @ u for j in range(r)])
        if norm == 'softmax':
            a[i] = torch.softmax(sc, 0)
        else:
            p = torch.relu(sc)
            a[i] = p / p.sum() if p.sum() > 0 else 1.0 / r
    if not attention_grad:  # the attention as a constant weighting
        a = a.detach()
    total = 0.0
    count = 0
    for j in range(r):
        M = torch.diag(a[:, j]) @ lam[j]  # eq. 11
        s = M.sum(0)
        if s.sum() <= 0:
            continue
        Mh = M / s  # eq. 12
        Zt = z[:, :, j].t() @ Mh  # eq. 13 (d, n)
        Yt = Y.t() @ Mh  # eq. 14 (c, n)
        P = torch.softmax((W @ Zt + b[:, None]).t(), 1)  # 1x1 conv
        ce = -(Yt.t() * torch.log(P)).sum(1)
        total = total + (ce * s).sum() / s.sum()  # eq. 15
        count += 1
    return total / count


@pytest.mark.parametrize('attention', ['gap', 'cam', 'uniform'])
@pytest.mark.parametrize('norm', ['l1relu', 'softmax'])
@pytest.mark.parametrize('interpolate_logits', [True, False])
@pytest.mark.parametrize('attention_grad', [True, False])
def test_dense_classifier_matches_loops(attention, norm, interpolate_logits,
                                        attention_grad):
    model = _model(attention, norm, dense_size=2,
                   interpolate_logits=interpolate_logits,
                   attention_grad=attention_grad).double()
    model.train()
    model.mixer.generator = torch.Generator().manual_seed(1)
    x = torch.randn(4, 3, 16, 16, dtype=torch.float64)
    labels = torch.tensor([0, 2, 4, 2])
    loss = model.loss(x, _samples(labels))['loss']
    grads = torch.autograd.grad(loss, list(model.parameters()),
                                allow_unused=True)
    # reference on a copy, with the same Λ
    ref_model = copy.deepcopy(model)
    lam = Fm.sample_dense_lambda(4, 4, 40,
                                 generator=torch.Generator().manual_seed(1)
                                 ).double()
    fmap = ref_model.head.dense_map(ref_model.backbone(x))
    Y = torch.nn.functional.one_hot(labels, 5).double()
    ref = loop_dense_loss(fmap, Y, ref_model.head.fc.weight,
                          ref_model.head.fc.bias, attention, norm, lam,
                          attention_grad)
    ref_grads = torch.autograd.grad(ref, list(ref_model.parameters()),
                                    allow_unused=True)
    torch.testing.assert_close(loss, ref, rtol=1e-5, atol=1e-7)
    n_checked = 0
    for g, rg in zip(grads, ref_grads):
        if rg is None:
            assert g is None or g.abs().max() == 0
            continue
        torch.testing.assert_close(g, rg, rtol=1e-5, atol=1e-7)
        n_checked += 1
    assert n_checked > 10


def test_r1_uniform_is_vanilla_multimix():
    dense = _model('uniform', dense_size=1, n=64)
    dense.mixer.generator = torch.Generator().manual_seed(7)
    vanilla = MODELS.build(
        dict(type='MultiMixClassifier',
             backbone=dict(type='PreActResNet', depth=18, base_channels=8),
             neck=None,
             head=dict(type='DenseLinearClsHead', num_classes=5,
                       in_channels=64),
             mixer=dict(type='MultiMix', n=64, prob=1.0)))
    vanilla.load_state_dict(dense.state_dict())
    vanilla.mixer.generator = torch.Generator().manual_seed(7)
    x = torch.randn(5, 3, 16, 16)
    samples = _samples([0, 1, 2, 3, 4])
    ld = dense.loss(x, copy.deepcopy(samples))['loss']
    lv = vanilla.loss(x, copy.deepcopy(samples))['loss']
    torch.testing.assert_close(ld, lv, rtol=1e-6, atol=1e-6)


def test_zero_attention_gives_finite_loss_and_grads():
    model = _model('gap', 'l1relu')
    # ReLU(z·u) = 0 everywhere for a zero feature map: attention falls back
    # to uniform; and at a position where every attention is 0, s = 0.
    feats = torch.zeros(3, 64, 2, 2, requires_grad=True)
    attn = torch.tensor([[0., 1., 0., 0.], [0., 1., 0., 0.], [0., 0., 1., 0.]])
    lam = Fm.sample_dense_lambda(4, 3, 10)
    mhat, s = Fm.dense_mix_weights(attn, lam)
    logits = Fm.dense_interpolate(model.head.dense_logits(feats), mhat)
    loss = model.target_loss(logits,
                             Fm.dense_mix_targets(torch.eye(5)[:3], mhat), s)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(feats.grad).all()
    assert torch.equal(s[:, 0], torch.zeros(10))


def test_dense_head_inference_is_pooled_linear():
    head = DenseLinearClsHead(num_classes=3, in_channels=6, dense_size=2)
    fmap = torch.randn(2, 6, 4, 4)
    out = head((fmap, ))
    torch.testing.assert_close(out, head.fc(fmap.mean((2, 3))))
    dl = head.dense_logits(head.dense_map((fmap, )))
    assert dl.shape == (2, 3, 4)
    pooled = torch.nn.functional.adaptive_avg_pool2d(fmap, 2).flatten(2)
    torch.testing.assert_close(
        dl, torch.einsum('mdr,cd->mcr', pooled, head.fc.weight) +
        head.fc.bias[None, :, None])


def test_cam_on_nonlinear_head_raises():

    class NotLinear(DenseLinearClsHead):
        affine_classifier_name = None

        def forward(self, feats):
            return torch.tanh(super().forward(feats))

    head = NotLinear(num_classes=5, in_channels=64)
    with pytest.raises(ValueError, match="attention='cam'"):
        MODELS.build(
            dict(type='MultiMixClassifier',
                 backbone=dict(type='PreActResNet', depth=18,
                               base_channels=8),
                 neck=None, head=head,
                 mixer=dict(type='MultiMix', dense=True, attention='cam')))


@pytest.mark.parametrize('kw,match', [
    (dict(neck=dict(type='GlobalAveragePooling')), 'model.neck'),
    (dict(head=dict(type='LinearClsHead', num_classes=5, in_channels=64)),
     'DenseLinearClsHead'),
])
def test_dense_config_errors(kw, match):
    cfg = dict(type='MultiMixClassifier',
               backbone=dict(type='PreActResNet', depth=18, base_channels=8),
               neck=None,
               head=dict(type='DenseLinearClsHead', num_classes=5,
                         in_channels=64),
               mixer=dict(type='MultiMix', dense=True))
    cfg.update(kw)
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg)


@pytest.mark.parametrize('kw,match', [
    (dict(attention='bogus'), 'mixer.attention'),
    (dict(attention_norm='bogus'), 'mixer.attention_norm'),
    (dict(layer=2), 'mixer.layer'),
])
def test_dense_mixer_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='MultiMix', dense=True, **kw))


def test_dense_head_on_vector_features_raises():
    head = DenseLinearClsHead(num_classes=3, in_channels=6)
    with pytest.raises(ValueError, match='spatial'):
        head.dense_map((torch.randn(2, 6), ))


@pytest.mark.parametrize('distill', [False, 'logits', 'probs'])
@pytest.mark.parametrize('attention_grad', [False, True])
def test_fused_dense_path_matches_unfused_path(distill, attention_grad):
    kw = dict(distill=dict(gamma=0.3, momentum=0.1,
                           teacher_target=distill)) if distill else {}
    fused = _model('gap', 'l1relu', dense_size=2, n=30,
                   attention_grad=attention_grad,
                   loss=dict(type='WeightedSoftCrossEntropyLoss',
                             loss_weight=2.0), **kw).double()
    fused.init_weights()
    if distill:  # a teacher that differs from the student
        with torch.no_grad():
            for p in fused.teacher.module.parameters():
                p.add_(0.05 * torch.randn_like(p))
    unfused = copy.deepcopy(fused)
    # dense_mix_loss=None: the reference path (M̂ and the (n, r, c) mixed
    # logits and targets formed, then the loss module with eq. 15's weights)
    unfused.dense_mix_loss = None
    assert fused.fused_dense and not unfused.fused_dense
    views = 2 if distill else 1
    x = torch.randn(views, 4, 3, 16, 16, dtype=torch.float64).squeeze(0)
    samples = _samples([0, 2, 4, 2])
    results = []
    for model in (fused, unfused):
        model.train()
        model.mixer.generator = torch.Generator().manual_seed(3)
        losses = model.loss(x, copy.deepcopy(samples))
        total = sum(v for k, v in losses.items() if 'loss' in k)
        params = [p for n, p in model.named_parameters()
                  if not n.startswith('teacher.')]
        grads = torch.autograd.grad(total, params)
        results.append((losses, grads))
    (lf, gf), (lu, gu) = results
    assert set(lf) == set(lu)
    # the mixer draws Λ in fp32; the unfused path normalises it in fp32,
    # the fused one in fp64: agreement to fp32 rounding of Λ
    for key in lf:
        if 'loss' in key:
            torch.testing.assert_close(lf[key], lu[key], rtol=1e-6,
                                       atol=1e-9)
    assert any(g.abs().max() > 0 for g in gf)
    for a, b in zip(gf, gu):
        torch.testing.assert_close(a, b, rtol=1e-5,
                                   atol=1e-6 * float(b.abs().max()))
    # the head's loss_weight applies to the fused path's class term
    fused.head.loss_module.loss_weight = 1.0
    fused.mixer.generator = torch.Generator().manual_seed(3)
    half = fused.loss(x, copy.deepcopy(samples))
    key = 'loss_cls' if distill else 'loss'
    torch.testing.assert_close(2 * half[key], lf[key])


def test_attention_gradient_is_off_by_default():
    """Default: the backbone gradient is the one with a detached attention,
    and it differs from the one through the attention."""
    x = torch.randn(4, 3, 16, 16)
    samples = _samples([0, 2, 4, 2])
    grads = {}
    for flag in (False, True):
        model = _model('gap', 'softmax', dense_size=2,
                       **({} if not flag else dict(attention_grad=True)))
        model.train()
        model.mixer.generator = torch.Generator().manual_seed(5)
        loss = model.loss(x, copy.deepcopy(samples))['loss']
        grads[flag] = torch.autograd.grad(
            loss, model.backbone.stages[0][0].conv1.weight)[0]
    default = _model('gap', 'softmax', dense_size=2)
    assert default.mixer.attention_grad is False
    assert not torch.allclose(grads[False], grads[True])
