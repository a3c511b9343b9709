"""Self-distillation: EMA teacher, same Λ for both views, eq. 9, resume."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmmultimix  # noqa: F401
from mmmultimix import functional as Fm

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def _model(mixer=dict(type='MultiMix', n=30, prob=1.0), gamma=0.5,
           momentum=0.1, dense=False, channels_last=False, **distill):
    torch.manual_seed(0)
    head = dict(type='LinearClsHead', num_classes=5, in_channels=64)
    neck = dict(type='GlobalAveragePooling')
    if dense:
        head = dict(type='DenseLinearClsHead', num_classes=5, in_channels=64,
                    dense_size=2)
        neck = None
    model = MODELS.build(
        dict(type='MultiMixClassifier',
             backbone=dict(type='WideResNet', depth=10, widen_factor=1),
             neck=neck, head=head, mixer=mixer, channels_last=channels_last,
             distill=dict(gamma=gamma, momentum=momentum, **distill)))
    model.init_weights()
    return model


def _student_params(model):
    return {k: v.detach().clone() for k, v in model.named_parameters()
            if not k.startswith('teacher.')}


def test_teacher_is_hand_computed_ema_and_gets_no_gradient():
    model = _model(momentum=0.1, teacher_stats='student')
    opt = torch.optim.SGD([p for n, p in model.named_parameters()
                           if p.requires_grad], lr=0.5)
    x = torch.randn(2, 6, 3, 8, 8)  # two views
    samples = _samples([0, 1, 2, 3, 4, 0])
    history = []
    for _ in range(4):
        opt.zero_grad()
        losses = model.loss(x, samples)
        sum(losses.values()).backward()
        for name, p in model.teacher.named_parameters():
            assert p.grad is None and not p.requires_grad, name
        opt.step()
        model.update_teacher()
        history.append(_student_params(model))
    # hand EMA: t_1 = s_1 (first update copies), t_k = 0.9 t_{k-1} + 0.1 s_k
    for name, t in model.teacher.module.named_parameters():
        ref = history[0][name]
        for h in history[1:]:
            ref = 0.9 * ref + 0.1 * h[name]
        torch.testing.assert_close(t, ref, rtol=1e-6, atol=1e-7)
    assert int(model.teacher.steps) == 4
    # the student moved, so the teacher is a genuine average
    assert not torch.equal(history[0]['head.fc.weight'],
                           history[-1]['head.fc.weight'])
    for (n, b), (_, bs) in zip(model.teacher.module.named_buffers(),
                               model._student_net().named_buffers()):
        assert torch.equal(b, bs), n  # BN statistics copied from student


def test_teacher_keeps_its_own_bn_statistics_by_default():
    """Default teacher_stats='own': after a step the teacher's BN running
    statistics are those its own training-mode forward pass tracked (EMA
    weights with statistics of those weights), not the student's."""
    import copy
    model = _model(momentum=0.1)
    model.train()
    assert model.teacher.teacher_stats == 'own'
    x = torch.randn(2, 6, 3, 8, 8)
    samples = _samples([0, 1, 2, 3, 4, 0])
    model.loss(x, samples)  # warm-up: the teacher runs once
    model.update_teacher()
    ref = copy.deepcopy(model.teacher.module).train()
    with torch.no_grad():
        ref(x[1])  # the teacher's forward on its view, in training mode
    sum(model.loss(x, samples).values()).backward()
    model.update_teacher()
    t_bufs = dict(model.teacher.module.named_buffers())
    s_bufs = dict(model._student_net().named_buffers())
    checked = 0
    for name, b in ref.named_buffers():
        if b.is_floating_point():
            torch.testing.assert_close(t_bufs[name], b)
            assert not torch.equal(t_bufs[name], s_bufs[name]), name
            checked += 1
    assert checked >= 4


def _loss_and_lambda(model):
    """Two views of 4 images, their loss, and the Λ (4 × 30) the mixer drew
    for it (redrawn by hand from the same generator state)."""
    gen_state = model.mixer.generator.get_state()
    x = torch.randn(2, 4, 3, 8, 8)
    labels = torch.tensor([0, 3, 1, 4])
    losses = model.loss(x, _samples(labels))
    g = torch.Generator().set_state(gen_state)
    return x, labels, losses, Fm.sample_lambda(4, 30, (0.5, 2.0), g)


@pytest.mark.parametrize('gamma', [0.0, 0.5, 1.0])
@pytest.mark.parametrize('target', ['logits', 'probs'])
def test_loss_is_eq9_with_same_lambda(gamma, target):
    model = _model(gamma=gamma, teacher_target=target)
    with torch.no_grad():  # make the teacher differ from the student
        for p in model.teacher.module.parameters():
            p.add_(0.05 * torch.randn_like(p))
    x, labels, losses, lam = _loss_and_lambda(model.train())
    y = torch.nn.functional.one_hot(labels, 5).float()
    s_logits = lam.t() @ model.head.fc(model.extract_feat(x[0])[-1])
    tnet = model.teacher.module
    with torch.no_grad():
        t_real = tnet.head.fc(tnet.extract_feat(x[1])[-1])
    if target == 'logits':  # eq. 9 as written: softmax of mixed logits
        p_t = torch.softmax(lam.t() @ t_real, 1)
    else:  # mixed teacher probabilities
        p_t = lam.t() @ torch.softmax(t_real, 1)
    logp = torch.log_softmax(s_logits, 1)
    h_y = -((lam.t() @ y) * logp).sum(1).mean()
    h_t = -(p_t * logp).sum(1).mean()
    torch.testing.assert_close(losses['loss_cls'], gamma * h_y)
    torch.testing.assert_close(losses['loss_distill'], (1 - gamma) * h_t)


def test_dense_distill_uses_students_mhat_for_teacher():
    model = _model(mixer=dict(type='MultiMix', n=12, prob=1.0, dense=True),
                   dense=True, gamma=0.0)
    with torch.no_grad():
        for p in model.teacher.module.parameters():
            p.add_(0.05 * torch.randn_like(p))
    model.train()
    gen_state = model.mixer.generator.get_state()
    x = torch.randn(2, 3, 3, 8, 8)
    labels = torch.tensor([0, 3, 1])
    losses = model.loss(x, _samples(labels))
    g = torch.Generator().set_state(gen_state)
    fmap = model.head.dense_map(model.backbone(x[0]))
    attn = Fm.spatial_attention(fmap)
    lam = Fm.sample_dense_lambda(4, 3, 12, (0.5, 2.0), g)
    mhat, s = Fm.dense_mix_weights(attn, lam)
    s_logits = Fm.dense_interpolate(model.head.dense_logits(fmap), mhat)
    tnet = model.teacher.module
    with torch.no_grad():
        tmap = tnet.head.dense_map(tnet.backbone(x[1]))
        t_logits = Fm.dense_interpolate(tnet.head.dense_logits(tmap), mhat)
    ref = Fm.weighted_soft_cross_entropy(s_logits, torch.softmax(t_logits, -1),
                                         s)
    torch.testing.assert_close(losses['loss_distill'], ref)
    assert losses['loss_cls'] == 0


@pytest.mark.parametrize('mixer', [None, dict(type='InputMixup'),
                                   dict(type='ManifoldMixup')])
def test_distill_on_other_methods(mixer):
    model = _model(mixer=mixer)
    losses = model.loss(torch.randn(2, 3, 3, 8, 8), _samples([0, 1, 2]))
    total = sum(losses.values())
    total.backward()
    assert torch.isfinite(total) and losses['loss_distill'] > 0


def test_missing_hook_fails_fast():
    model = _model()
    x = torch.randn(2, 3, 3, 8, 8)
    with pytest.raises(RuntimeError, match='EMASelfDistillHook'):
        for _ in range(4):
            model.loss(x, _samples([0, 1, 2]))


@pytest.mark.parametrize('distill,match', [
    (dict(gamma=1.5), 'model.distill.gamma'),
    (dict(momentum=1.0), 'model.distill.momentum'),
    (dict(momentum=0.0), 'model.distill.momentum'),
    (dict(gama=0.5), 'unknown keys'),
    (dict(teacher_stats='ema'), 'model.distill.teacher_stats'),
    (dict(teacher_target='soft'), 'model.distill.teacher_target'),
])
def test_bad_distill_config(distill, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(
            dict(type='MultiMixClassifier',
                 backbone=dict(type='WideResNet', depth=10, widen_factor=1),
                 neck=dict(type='GlobalAveragePooling'),
                 head=dict(type='LinearClsHead', num_classes=5,
                           in_channels=64),
                 distill=distill))


def test_momentum_cosine_schedule():
    from mmmultimix.engine import EMASelfDistillHook
    hook = EMASelfDistillHook(momentum=0.01, end_momentum=0.001)
    assert hook.momentum_at(0, 101) == pytest.approx(0.01)
    assert hook.momentum_at(50, 101) == pytest.approx(0.0055)
    assert hook.momentum_at(100, 101) == pytest.approx(0.001)
    with pytest.raises(ValueError, match='momentum'):
        EMASelfDistillHook(momentum=1.5)


def _train(args):
    proc = subprocess.run([sys.executable, 'tools/train.py'] + args, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _losses(work):
    from runlog import scalars
    rows = scalars(work)
    return {r['step']: r['loss'] for r in rows if 'loss' in r}


def test_kill_and_resume_is_bit_identical(tmp_path):
    cfg = osp.join(ROOT, 'configs', 'demo', 'digits_dense_distil.py')
    opts = ['default_hooks.logger.interval=1',
            'default_hooks.checkpoint.interval=2',
            'default_hooks.checkpoint.max_keep_ckpts=5',
            'train_cfg.val_interval=100']
    full, part = str(tmp_path / 'full'), str(tmp_path / 'part')
    _train([cfg, '--work-dir', full, '--cfg-options',
            'train_cfg.max_epochs=4'] + opts)
    _train([cfg, '--work-dir', part, '--cfg-options',
            'train_cfg.max_epochs=2'] + opts)  # "killed" after epoch 2
    _train([cfg, '--work-dir', part, '--resume',
            osp.join(part, 'epoch_2.pth'), '--cfg-options',
            'train_cfg.max_epochs=4'] + opts)
    a, b = _losses(full), _losses(part)
    later = [k for k in a if k > min(a) + 3]  # iterations after epoch 2
    assert later and all(a[k] == b[k] for k in later), (a, b)
    sa = torch.load(osp.join(full, 'epoch_4.pth'))['state_dict']
    sb = torch.load(osp.join(part, 'epoch_4.pth'))['state_dict']
    assert sa.keys() == sb.keys()
    assert any(k.startswith('teacher.') for k in sa)
    for k in sa:
        if isinstance(sa[k], torch.Tensor):
            assert torch.equal(sa[k], sb[k]), k
    assert sa['mixer._extra_state'].equal(sb['mixer._extra_state'])


def test_two_stage_frozen_teacher(tmp_path):
    """A.5 two-stage variant: a pretrained teacher loaded from one of our
    checkpoints, never updated by the hook."""
    pretrained = _model(mixer=None)
    with torch.no_grad():
        for p in pretrained.parameters():
            p.add_(0.1)
    path = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=pretrained.state_dict()), path)
    torch.manual_seed(1)
    model = MODELS.build(
        dict(type='MultiMixClassifier',
             backbone=dict(type='WideResNet', depth=10, widen_factor=1),
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=5, in_channels=64),
             mixer=dict(type='MultiMix', n=20, prob=1.0),
             distill=dict(gamma=0.0, frozen_teacher=path)))
    model.init_weights()
    ref = {k: v.clone() for k, v in model.teacher.module.state_dict().items()}
    for k, v in ref.items():
        assert torch.equal(v, pretrained.state_dict()[k]), k
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                          lr=0.5)
    for _ in range(3):
        losses = model.loss(torch.randn(2, 4, 3, 8, 8), _samples([0, 1, 2, 3]))
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
        model.update_teacher()
    for k, v in model.teacher.module.state_dict().items():
        if v.is_floating_point():
            assert torch.equal(v, ref[k]), k
    assert losses['loss_cls'] == 0 and losses['loss_distill'] > 0
