"""CUDA checks (skipped without a GPU): every variant trains on the device,
Λ is sampled there, and CPU / CUDA agree on the same plan."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmmultimix  # noqa: F401
from mmmultimix import functional as Fm
from mmmultimix.models import MultiMixPlan

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason='needs CUDA')
DENSE = dict(type='DenseLinearClsHead', num_classes=10, in_channels=64,
             dense_size=2)
VARIANTS = {
    'multimix': dict(mixer=dict(type='MultiMix', n=500)),
    'dense': dict(mixer=dict(type='MultiMix', n=500, dense=True), neck=None,
                  head=DENSE),
    'distil': dict(mixer=dict(type='MultiMix', n=500),
                   distill=dict(momentum=0.01)),
    'dense_distil': dict(mixer=dict(type='MultiMix', n=500, dense=True),
                         neck=None, head=DENSE, distill=dict(momentum=0.01)),
    'input_mixup': dict(mixer=dict(type='InputMixup')),
    'manifold_mixup': dict(mixer=dict(type='ManifoldMixup')),
    'cutmix': dict(mixer=dict(type='CutMix')),
    'denseloss': dict(mixer=dict(type='InputMixup'), neck=None, head=DENSE,
                      dense_loss=True),
}


def _build(**kw):
    cfg = dict(type='MultiMixClassifier',
               backbone=dict(type='WideResNet', depth=10, widen_factor=1),
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=10,
                         in_channels=64))
    cfg.update(kw)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_variant_trains_on_cuda(variant):
    model = _build(**VARIANTS[variant]).cuda()
    assert model.mixer.generator.device.type == 'cuda'
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                          lr=0.05)
    for _ in range(3):
        x = torch.randn(2, 17, 3, 16, 16, device='cuda')
        samples = [DataSample().set_gt_label(i % 10) for i in range(17)]
        losses = model.loss(x, samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        assert total.device.type == 'cuda' and torch.isfinite(total)
        opt.zero_grad()
        total.backward()
        opt.step()
        model.update_teacher()
    # a checkpoint's RNG state round-trips on the device
    state = model.state_dict()
    model.load_state_dict(state)


def test_cpu_and_cuda_agree_on_the_same_plan():
    model = _build(mixer=dict(type='MultiMix', n=64)).eval()
    x = torch.randn(6, 3, 16, 16)
    y = torch.eye(10)[torch.arange(6)]
    lam = Fm.sample_lambda(6, 64, generator=torch.Generator().manual_seed(0))
    cpu, _ = model.mixed_logits(x, y, MultiMixPlan('embedding', lam))
    model.cuda()
    gpu, _ = model.mixed_logits(x.cuda(), y.cuda(),
                                MultiMixPlan('embedding', lam.cuda()))
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-4, atol=1e-4)


def test_functional_dense_on_cuda_matches_cpu():
    g = torch.Generator().manual_seed(1)
    feats = torch.randn(5, 8, 3, 3, generator=g)
    y = torch.eye(4)[torch.tensor([0, 1, 2, 3, 0])]
    attn = Fm.spatial_attention(feats)
    lam = Fm.sample_dense_lambda(9, 5, 40, generator=g)
    a = Fm.dense_multimix(feats, y, attn, lam)
    b = Fm.dense_multimix(feats.cuda(), y.cuda(), attn.cuda(), lam.cuda())
    for u, v in zip(a, b):
        torch.testing.assert_close(v.cpu(), u, rtol=1e-4, atol=1e-5)
    gcuda = torch.Generator(device='cuda').manual_seed(0)
    lam = Fm.sample_lambda(128, 1000, generator=gcuda, device='cuda')
    assert lam.device.type == 'cuda'
    torch.testing.assert_close(lam.sum(0), torch.ones(1000, device='cuda'))


@pytest.mark.parametrize('dtype', ['bf16', 'fp16'])
@pytest.mark.parametrize('dense', [False, True])
def test_reduced_precision_teacher_on_cuda(dtype, dense):
    """issue 18: the teacher's autocast forward on the GPU gives a
    distillation loss in fp32 close to the fp32 teacher's."""
    if dtype == 'bf16' and not torch.cuda.is_bf16_supported():
        pytest.skip('no bf16 on this card')
    variant = 'dense_distil' if dense else 'distil'
    x = torch.randn(2, 8, 3, 8, 8, device='cuda')
    samples = [DataSample().set_gt_label(i % 10) for i in range(8)]
    out = {}
    for dt in ('fp32', dtype):
        kw = dict(VARIANTS[variant])
        kw['distill'] = dict(kw['distill'], teacher_dtype=dt)
        model = _build(channels_last=True, **kw).cuda().train()
        model.update_teacher()
        torch.manual_seed(1)
        model.mixer.generator.manual_seed(1)
        out[dt] = model.loss(x, samples)['loss_distill']
        assert out[dt].dtype == torch.float32 and torch.isfinite(out[dt])
    torch.testing.assert_close(out[dtype], out['fp32'], rtol=0.02, atol=0.02)


def test_mixer_generator_follows_repeated_moves():
    """A device session found ``.cuda()`` followed by another ``_apply``
    (a dtype or memory-format change, as mmengine's runner and
    ``channels_last`` do) drawing the new seed with a CUDA generator on
    the CPU: a RuntimeError before any step. The generator now follows
    every move, and back."""
    mixer = MODELS.build(dict(type='MultiMix', n=16))
    mixer.cuda()
    mixer.float()
    mixer.to(torch.device('cuda'))
    assert mixer.generator.device.type == 'cuda'
    assert mixer.sample(8, torch.device('cuda')).lam.is_cuda
    mixer.cpu()
    assert mixer.generator.device.type == 'cpu'


def _r18():
    import os.path as osp

    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    return Config.fromfile(osp.join(root, 'configs', 'multimix',
                                    'r18_cifar100_baseline.py'))


@pytest.mark.parametrize('name', ['alignmixup', 'puzzlemix', 'saliencymix',
                                  'zeta_mixup'])
def test_baseline_mixer_trains_on_cuda_in_both_layouts(name):
    """The paper's baselines on the device (PuzzleMix's graph cuts on the
    CPU), standard and channels-last, through the benchmark's step."""
    from mmmultimix.benchmark.device_check import mixer_steps
    if name == 'puzzlemix':
        pytest.importorskip('gco', reason='gco-wrapper not installed')
    if name == 'saliencymix' and not hasattr(
            pytest.importorskip('cv2'), 'saliency'):
        pytest.skip('OpenCV contrib (cv2.saliency) not installed: its 64 MB '
                    'wheel is more than a device call carries')
    rows = mixer_steps(_r18(), 'cuda', 'tiny', steps=2, names=[name])
    assert [r['layout'] for r in rows] == ['standard', 'channels_last']
    assert all(r['loss'] == r['loss'] for r in rows)  # finite (else raised)


def test_fp16_with_loss_scaling_and_bf16_train_on_cuda():
    """MultiMix + dense + distil in fp16 (AmpOptimWrapper: autocast and a
    finite loss scale) and in bf16 (model.precision): finite fp32 losses,
    Λ sampled in fp32 (precision_steps raises otherwise)."""
    from mmmultimix.benchmark.device_check import precision_steps
    rows = precision_steps(_r18(), 'cuda', 'tiny', steps=2)
    assert [r['precision'] for r in rows] == ['bf16', 'fp16']
    assert all(r['s_per_step'] is not None for r in rows)
    assert 'loss scale' in rows[1]['note']
