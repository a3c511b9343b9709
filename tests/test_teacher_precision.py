"""The teacher's forward in reduced precision (``distill.teacher_dtype``)
and the channels-last layout (``model.channels_last``), issue 18."""
import pytest
import torch
from mmpretrain.registry import MODELS

import mmmultimix  # noqa: F401
from mmmultimix.models.distill.ema_teacher import fast_bf16
from test_distill import _loss_and_lambda
from test_distill import _model as distill_model
from test_distill import _samples


def _model(mixer=dict(type='MultiMix', n=30, prob=1.0), dense=False,
           channels_last=False, **distill):
    """test_distill's model (γ = 0: the distillation term alone) with a
    teacher that differs from the student."""
    model = distill_model(mixer, 0.0, 0.1, dense, channels_last, **distill)
    with torch.no_grad():  # a teacher that differs from the student
        g = torch.Generator().manual_seed(1)
        for p in model.teacher.module.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=g))
    model.teacher.steps.fill_(1)
    return model.train()


def test_bf16_teacher_runs_in_bf16_and_mixes_in_fp32():
    model = _model(teacher_dtype='bf16')
    x, _, losses, lam = _loss_and_lambda(model)
    tnet = model.teacher.module
    with torch.no_grad():
        with torch.autocast('cpu', dtype=torch.bfloat16):
            t_real = tnet.head.fc(tnet.extract_feat(x[1])[-1])
        assert t_real.dtype == torch.bfloat16
        t32 = tnet.head.fc(tnet.extract_feat(x[1])[-1])
    s_logits = lam.t() @ model.head.fc(model.extract_feat(x[0])[-1])
    logp = torch.log_softmax(s_logits, 1)

    def h(t):  # P̃′ = softmax(Λᵀ t) mixed in fp32
        return -(torch.softmax(lam.t() @ t.float(), 1) * logp).sum(1).mean()

    torch.testing.assert_close(losses['loss_distill'], h(t_real))
    # the teacher really ran in bf16: its fp32 target differs
    assert not torch.allclose(h(t_real), h(t32), rtol=0, atol=1e-7)
    torch.testing.assert_close(h(t_real), h(t32), rtol=0.02, atol=0.02)


@pytest.mark.parametrize('mixer,dense', [
    (dict(type='MultiMix', n=12, prob=1.0, dense=True), True),
    (dict(type='MultiMix', n=12, prob=0.0), False),  # input-mixup half
    (dict(type='ManifoldMixup', alpha=2.0, layers=(1, 2)), False),
])
def test_bf16_teacher_close_to_fp32_on_every_path(mixer, dense):
    x = torch.randn(2, 4, 3, 8, 8)
    labels = _samples(torch.tensor([0, 3, 1, 4]))
    out = {}
    for dtype in ('fp32', 'bf16'):
        model = _model(mixer=mixer, dense=dense, teacher_dtype=dtype)
        torch.manual_seed(3)
        out[dtype] = model.loss(x, labels)
        assert out[dtype]['loss_distill'].dtype == torch.float32
    torch.testing.assert_close(out['bf16']['loss_distill'],
                               out['fp32']['loss_distill'], rtol=0.02,
                               atol=0.02)
    assert out['bf16']['loss_distill'].item() != \
        out['fp32']['loss_distill'].item()


@pytest.mark.parametrize('dtype,match', [
    ('fp64', "teacher_dtype must be None .* or one of "
     "\\('fp32', 'bf16', 'fp16', 'auto'\\)"),
    ('float16', 'model.distill.teacher_dtype'),
])
def test_bad_teacher_dtype(dtype, match):
    with pytest.raises(ValueError, match=match):
        _model(teacher_dtype=dtype)


def test_fp16_teacher_needs_cuda():
    model = _model(teacher_dtype='fp16')
    with pytest.raises(ValueError, match="teacher_dtype='fp16' needs a CUDA"):
        model.loss(torch.randn(2, 4, 3, 8, 8),
                   _samples(torch.tensor([0, 3, 1, 4])))


def test_auto_teacher_dtype_follows_the_hardware():
    model = _model(teacher_dtype='auto')
    cpu = torch.device('cpu')
    want = torch.bfloat16 if fast_bf16(cpu) else None
    assert model.teacher.dtype_on(cpu) == want
    assert _model().teacher.dtype_on(cpu) is None  # default fp32


@pytest.mark.parametrize('dense', [False, True])
def test_channels_last_changes_layout_not_numbers(dense):
    mixer = dict(type='MultiMix', n=12, prob=1.0, dense=dense)
    x = torch.randn(2, 4, 3, 8, 8)
    labels = _samples(torch.tensor([0, 3, 1, 4]))
    models, losses = [], []
    for cl in (False, True):
        model = _model(mixer=mixer, dense=dense, channels_last=cl)
        torch.manual_seed(3)
        loss = model.loss(x, labels)
        sum(v for k, v in loss.items() if k.startswith('loss')).backward()
        models.append(model)
        losses.append(loss)
    plain, cl = models
    for k in ('loss_cls', 'loss_distill'):
        torch.testing.assert_close(losses[1][k], losses[0][k])
    for (name, p0), p1 in zip(plain.named_parameters(), cl.parameters()):
        torch.testing.assert_close(p1, p0)  # same initialisation
        if p0.grad is not None:
            torch.testing.assert_close(p1.grad, p0.grad, rtol=1e-4,
                                       atol=1e-5)
        if p1.dim() == 4 and p1.shape[1] > 1 and p1.shape[2] > 1:
            assert p1.is_contiguous(memory_format=torch.channels_last), name
            assert not p0.is_contiguous(memory_format=torch.channels_last)
    conv = cl.teacher.module.backbone.stages[0][0].conv1.weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        torch.testing.assert_close(cl(x[0]), plain(x[0]), rtol=1e-4,
                                   atol=1e-5)


def test_channels_last_must_be_bool():
    with pytest.raises(TypeError, match='model.channels_last'):
        _model(channels_last='yes')


def test_backbone_train_returns_itself():
    net = MODELS.build(dict(type='PreActResNet', depth=18))
    assert net.eval() is net and net.train() is net


def test_precision_evidence_table():
    from mmmultimix.studies import teacher_precision as T
    seeds = [0, 1, 2]
    res = {(r, dt, s): dict(acc=90.0 + s + (0.5 if dt == 'bf16' and
                                            r == 'distil' else 0.0))
           for r in T.ROWS for dt in ('fp32', 'bf16') for s in seeds}
    md = T.table(res, seeds, 'bf16')
    lines = md.splitlines()
    assert lines[2].startswith('| distil | 91.00 ± 1.00 | 91.50 ± 1.00 | '
                               '+0.50 [+0.50, +0.50]')
    assert lines[2].endswith('| bf16 better |')
    assert lines[3].endswith('| no difference detected |')
    assert set(T.jobs('digits', seeds, 'bf16')) == set(res)


def test_emulated_bf16_warns_once():
    if fast_bf16(torch.device('cpu')):
        pytest.skip('this CPU runs bf16 natively')
    model = _model(teacher_dtype='bf16')
    with pytest.warns(UserWarning, match="use 'auto'|Use 'auto'"):
        model.teacher.dtype_on(torch.device('cpu'))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        model.teacher.dtype_on(torch.device('cpu'))  # no second warning
