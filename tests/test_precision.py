"""One precision setting for a run (``model.precision``): what ``'auto'``
picks from the detector's answer (on any machine), the errors, and that a
bf16 run puts the student's and (by default) the teacher's convolutions in
bf16 while parameters, ``Λ`` and the losses stay fp32."""
import warnings

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmmultimix  # noqa: F401
from mmmultimix.models.utils import (auto_precision, autocast_context,
                                     fast_bf16, resolve_precision)

CPU, CUDA = torch.device('cpu'), torch.device('cuda')


@pytest.mark.parametrize('device', [CPU, CUDA])
def test_auto_follows_the_detector_not_this_machine(device):
    assert auto_precision(True) == 'bf16' and auto_precision(False) == 'fp32'
    assert resolve_precision('auto', device, 'model.precision',
                             native_bf16=True) == 'bf16'
    assert resolve_precision('auto', device, 'model.precision',
                             native_bf16=False) == 'fp32'
    # and on this machine, the detector's own answer
    if device.type == 'cpu':
        want = 'bf16' if fast_bf16(CPU) else 'fp32'
        assert resolve_precision('auto', CPU, 'model.precision') == want


def test_precision_errors_name_the_key():
    with pytest.raises(ValueError, match=r"model\.precision='fp16' needs a "
                       'CUDA device'):
        resolve_precision('fp16', CPU, 'model.precision')
    with pytest.raises(ValueError, match='model.precision must be one of'):
        resolve_precision('fp64', CPU, 'model.precision')
    with pytest.raises(ValueError, match="this CUDA device has no bf16"):
        resolve_precision('bf16', CUDA, 'model.precision',
                          native_bf16=False)
    with pytest.raises(ValueError, match='model.precision must be one of'):
        _model(precision='half')
    with pytest.warns(UserWarning, match='no native bf16'):
        resolve_precision('bf16', CPU, 'test.emulated_key',
                          native_bf16=False)


def _model(precision='fp32', distill=None, mixer='MultiMix'):
    cfg = dict(
        type='MultiMixClassifier',
        backbone=dict(type='PreActResNet', depth=18, base_channels=8),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=5, in_channels=64),
        data_preprocessor=dict(mean=[120.] * 3, std=[60.] * 3,
                               num_classes=5),
        mixer=dict(type=mixer, n=16, prob=1.0) if mixer else None,
        distill=distill, precision=precision)
    model = MODELS.build(cfg)
    model.init_weights()
    return model.train()


def _conv_dtypes(module):
    seen = []
    hooks = [m.register_forward_hook(
        lambda m, i, o: seen.append(o.dtype)) for m in module.modules()
        if isinstance(m, torch.nn.Conv2d)]
    return seen, hooks


def test_bf16_run_casts_convolutions_not_parameters_or_maths():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 32, 32)
    samples = [DataSample().set_gt_label(i % 5) for i in range(8)]
    m32, m16 = _model('fp32'), _model('bf16')
    m16.load_state_dict(m32.state_dict())
    seen, hooks = _conv_dtypes(m16.backbone)
    state = m32.mixer.generator.get_state()
    m16.mixer.generator.set_state(state)
    with warnings.catch_warnings():  # emulated bf16 warns: slow, not wrong
        warnings.simplefilter('ignore')
        l16 = m16.loss(x, samples)['loss']
    for h in hooks:
        h.remove()
    assert seen and set(seen) == {torch.bfloat16}
    assert l16.dtype == torch.float32 and torch.isfinite(l16)
    l16.backward()
    assert all(p.grad.dtype == torch.float32 for p in m16.parameters()
               if p.grad is not None)
    # the same draws in fp32: the loss agrees to bf16's precision (8 bits
    # of mantissa through 18 layers; 5 % is far above what is seen, <1 %)
    l32 = m32.loss(x, samples)['loss']
    l16, l32 = float(l16.detach()), float(l32.detach())
    assert abs(l16 - l32) <= 0.05 * abs(l32)
    # Λ is sampled in fp32 whatever the precision
    plan = m16.mixer.sample(8)
    assert plan.lam.dtype == torch.float32


@pytest.mark.parametrize('teacher_dtype,want', [(None, torch.bfloat16),
                                                ('fp32', torch.float32)])
def test_teacher_follows_the_run_unless_set(teacher_dtype, want):
    distill = dict(gamma=0.5)
    if teacher_dtype:
        distill['teacher_dtype'] = teacher_dtype
    model = _model('bf16', distill=distill)
    model.update_teacher()
    seen, hooks = _conv_dtypes(model.teacher.module)
    x = torch.randn(2, 4, 3, 32, 32)  # two views
    samples = [DataSample().set_gt_label(i % 5) for i in range(4)]
    with torch.no_grad():
        model.loss(x, samples)
    for h in hooks:
        h.remove()
    assert seen and set(seen) == {want}


def test_fp32_run_leaves_an_outer_autocast_alone():
    """``precision='fp32'`` (the default) adds no context: an outer
    autocast (a user's ``AmpOptimWrapper``, say) still applies."""
    model = _model('fp32', mixer=None)
    seen, hooks = _conv_dtypes(model.backbone)
    samples = [DataSample().set_gt_label(i % 5) for i in range(4)]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        model.loss(torch.randn(4, 3, 32, 32), samples)
    for h in hooks:
        h.remove()
    assert set(seen) == {torch.bfloat16}
    # an explicit fp32 pass inside a bf16 region really is fp32
    with torch.autocast('cpu', dtype=torch.bfloat16):
        with autocast_context('fp32', CPU):
            y = torch.nn.functional.conv2d(torch.randn(1, 1, 4, 4),
                                           torch.randn(1, 1, 3, 3))
    assert y.dtype == torch.float32


def test_train_flag_sets_the_key():
    import importlib.util
    import os.path as osp
    from argparse import Namespace

    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    spec = importlib.util.spec_from_file_location(
        'train_tool', osp.join(root, 'tools', 'train.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    cfg = Config.fromfile(osp.join(root, 'configs', 'demo',
                                   'digits_multimix.py'))
    args = Namespace(no_validate=False, launcher='none', work_dir=None,
                     config='configs/demo/digits_multimix.py', amp=False,
                     resume=None, auto_scale_lr=False, cfg_options=None,
                     precision='auto')
    assert tool.merge_args(cfg, args).model.precision == 'auto'
    args.precision = 'fp16'
    cfg = tool.merge_args(Config.fromfile(osp.join(
        root, 'configs', 'demo', 'digits_multimix.py')), args)
    assert cfg.model.precision == 'fp16'
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'


def test_amp_is_a_spelling_of_precision(monkeypatch):
    """``--amp`` sets model.precision (fp16 + AmpOptimWrapper's loss
    scaling on CUDA, auto elsewhere); with a disagreeing --precision it is
    refused; a model without ``precision`` takes fp16 through the wrapper
    alone and refuses the others naming the key."""
    import os.path as osp

    from mmengine.config import Config

    from mmmultimix.engine import precision as P
    from mmmultimix.engine.precision import use_precision
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))

    def cfg():
        return Config.fromfile(osp.join(root, 'configs', 'demo',
                                        'digits_multimix.py'))

    monkeypatch.setattr(P, 'amp_precision', lambda: 'auto')
    c = cfg()
    use_precision(c, None, amp=True)
    assert c.model.precision == 'auto'
    assert c.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'
    monkeypatch.setattr(P, 'amp_precision', lambda: 'fp16')
    c = cfg()
    use_precision(c, None, amp=True)
    assert c.model.precision == 'fp16'
    assert c.optim_wrapper.type == 'AmpOptimWrapper'
    assert c.optim_wrapper.loss_scale == 'dynamic'
    with pytest.raises(ValueError, match='--amp means --precision fp16'):
        use_precision(cfg(), 'bf16', amp=True)
    c = cfg()
    use_precision(c, None)  # neither flag: the config as written
    assert c.model.get('precision') is None
    c = cfg()
    c.model = dict(type='ImageClassifier', backbone=c.model.backbone,
                   head=c.model.head)
    use_precision(c, 'fp16')
    assert 'precision' not in c.model
    assert c.optim_wrapper.type == 'AmpOptimWrapper'
    with pytest.raises(ValueError, match='model.precision'):
        use_precision(c, 'bf16')
