"""What a user writes keeps its mmpretrain meaning: the head's loss under
every mixer, batch augments, the teacher under gradient accumulation, the
interpolation point of every head, seeds that pair runs, and backbones and
heads checked at build."""
import copy
import logging
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmmultimix  # noqa: F401
from mmmultimix import functional as Fm
from mmmultimix.models.classifiers.prepare_plan import prepare_plan
from mmmultimix.models.utils import soft_targets

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
C = 5
MMLogger.get_instance('mmengine').setLevel(logging.ERROR)

# every mixer family of the acceptance: (name, mixer, distill, dense)
FAMILIES = [
    ('none', None, False, False),
    ('multimix', dict(type='MultiMix', n=24, prob=1.0), False, False),
    ('multimix_dense', dict(type='MultiMix', n=24, prob=1.0, dense=True),
     False, True),
    ('multimix_distil', dict(type='MultiMix', n=24, prob=1.0), True, False),
    ('input_mixup', dict(type='InputMixup', alpha=1.0), False, False),
    ('cutmix', dict(type='CutMix', alpha=1.0), False, False),
    ('alignmixup', dict(type='AlignMixup', prob=1.0), False, False),
    ('puzzlemix', dict(type='PuzzleMix', block_nums=(4, )), False, False),
    ('saliencymix', dict(type='SaliencyMix', prob=1.0), False, False),
    ('zeta_mixup', dict(type='ZetaMixup'), False, False),
]
LOSSES = {
    'ce': dict(type='CrossEntropyLoss'),
    'ours': dict(type='WeightedSoftCrossEntropyLoss'),
    'smooth': dict(type='LabelSmoothLoss', label_smooth_val=0.3),
    'sigmoid': dict(type='CrossEntropyLoss', use_sigmoid=True),
    'weight': dict(type='CrossEntropyLoss', loss_weight=0.3),
}


def _model(mixer, distill=False, dense=False, loss=LOSSES['ours']):
    torch.manual_seed(0)
    head = dict(type='LinearClsHead', num_classes=C, in_channels=64,
                loss=loss)
    if dense:
        head = dict(head, type='DenseLinearClsHead', dense_size=2)
    model = MODELS.build(
        dict(type='MultiMixClassifier',
             backbone=dict(type='PreActResNet', depth=18, base_channels=8),
             neck=None if dense else dict(type='GlobalAveragePooling'),
             head=head,
             data_preprocessor=dict(mean=[120.] * 3, std=[60.] * 3),
             mixer=mixer,
             distill=dict(gamma=0.5, momentum=0.1) if distill else None))
    model.init_weights()
    return model.double().train()


def _samples(m, scores=False):
    out = []
    for i in range(m):
        s = DataSample().set_gt_label(i % C)
        if scores:  # mmpretrain's to_onehot: what BCE needs unmixed
            s.set_gt_score(F.one_hot(torch.tensor(i % C), C).double())
        out.append(s)
    return out


def _hand(kind, logits, targets, weights):
    """The head's loss by hand on (mixed) targets: mmpretrain's meaning of
    each loss, reduced per position as eq. 15."""
    logp = torch.log_softmax(logits, -1)
    if kind == 'smooth':  # 'original': (1 - ε) y + ε / C
        per = -(((1 - 0.3) * targets + 0.3 / C) * logp).sum(-1)
    elif kind == 'sigmoid':  # BCE on the targets, summed over classes
        per = F.binary_cross_entropy_with_logits(
            logits, targets, reduction='none').sum(-1)
    else:
        per = -(targets * logp).sum(-1) * (0.3 if kind == 'weight' else 1)
    if weights is None:
        return per.mean()
    total = weights.sum(0)  # (r,): eq. 15 at every position, then mean
    return ((per * weights).sum(0) / total)[total > 0].mean()


def _loss_and_draws(model, x, samples):
    """The model's losses, then the same draws replayed (generator state
    and weights restored): the mixed logits, targets and weights."""
    state = copy.deepcopy(model.state_dict())
    gen = None if model.mixer is None else model.mixer.generator.get_state()
    losses = model.loss(x, samples)
    model.load_state_dict(state)
    if gen is not None:
        model.mixer.generator.set_state(gen)
    student, _ = model._split_views(x)
    targets = soft_targets(samples, C, x.device)  # as the model's
    plan = None if model.mixer is None else model.mixer.sample(len(student))
    prepare_plan(model, student, targets, plan)
    out = model._mixed(model, student, targets, plan)
    return losses, out


@pytest.mark.parametrize('kind', ['ours', 'smooth', 'sigmoid', 'weight'])
@pytest.mark.parametrize('name,mixer,distill,dense', FAMILIES,
                         ids=[f[0] for f in FAMILIES])
def test_head_loss_is_the_loss_under_every_mixer(name, mixer, distill, dense,
                                                 kind):
    if name == 'puzzlemix':
        pytest.importorskip('gco')
    model = _model(mixer, distill, dense, LOSSES[kind])
    torch.manual_seed(1)
    x = torch.randn(2, 8, 3, 16, 16) if distill else torch.randn(8, 3, 16, 16)
    samples = _samples(8, scores=kind == 'sigmoid')
    losses, out = _loss_and_draws(model, x.double(), samples)
    got = losses['loss_cls'] / 0.5 if distill else losses['loss']
    ref = _hand(kind, out.logits, out.targets, out.weights)
    # float tolerance: mmpretrain smooths hard labels in fp32; the fused
    # dense path normalises Λ in fp64, the reference in fp32
    torch.testing.assert_close(got, ref, rtol=1e-6, atol=1e-9,
                               check_dtype=False)
    if kind == 'ours' and not dense:  # the CE path of before, bit for bit
        assert torch.equal(got, Fm.weighted_soft_cross_entropy(
            out.logits, out.targets, out.weights))


@pytest.mark.parametrize('kind', ['ce', 'smooth', 'weight'])
def test_without_mixer_the_loss_is_image_classifiers(kind):
    """No mixer, no teacher: ImageClassifier's loss (loss_weight, label
    smoothing) and its cal_acc top-k accuracy."""
    loss = dict(LOSSES[kind])
    cfg = dict(backbone=dict(type='PreActResNet', depth=18, base_channels=8),
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=C, in_channels=64,
                         loss=loss, cal_acc=True, topk=(1, 2)))
    x, samples = torch.randn(6, 3, 16, 16), _samples(6)
    out = []
    for typ in ('ImageClassifier', 'MultiMixClassifier'):
        torch.manual_seed(0)
        model = MODELS.build(dict(copy.deepcopy(cfg), type=typ))
        model.init_weights()
        out.append(model.train().loss(x, samples))
    assert set(out[0]) == set(out[1]) == {'loss', 'accuracy_top-1',
                                          'accuracy_top-2'}
    for key in out[0]:
        torch.testing.assert_close(out[1][key], out[0][key])


def test_cal_acc_logs_hard_batches_only():
    """With a teacher (no mixer) the targets are hard: top-k is logged; with
    a mixer it is not (mixed targets have no top-k accuracy)."""
    loss = LOSSES['ours']
    for mixer, logged in ((None, True), (dict(type='InputMixup'), False)):
        model = _model(mixer, True, False, loss)
        model.head.cal_acc = True
        losses = model.loss(torch.randn(2, 4, 3, 16, 16).double(),
                            _samples(4))
        assert ('accuracy_top-1' in losses) == logged


def test_unmixed_batches_of_a_mixer_take_one_hot_targets():
    """A mixer that leaves a batch unmixed (SaliencyMix with prob 0): the
    head's loss on the one-hot targets (BCE needs them), top-k logged."""
    model = _model(dict(type='SaliencyMix', prob=0.0),
                   loss=LOSSES['sigmoid'])
    model.head.cal_acc = True
    torch.manual_seed(1)
    x = torch.randn(8, 3, 16, 16).double()
    losses, out = _loss_and_draws(model, x, _samples(8))
    assert out.targets.max() == 1.0 and 'accuracy_top-1' in losses
    torch.testing.assert_close(losses['loss'],
                               _hand('sigmoid', out.logits, out.targets,
                                     None), check_dtype=False)


def test_a_loss_without_soft_targets_fails_at_build():
    with pytest.raises(ValueError, match=r'model\.head\.loss \(SeesawLoss\) '
                       'cannot take soft targets'):
        _model(dict(type='InputMixup'),
               loss=dict(type='SeesawLoss', num_classes=C))
    _model(None, loss=dict(type='SeesawLoss', num_classes=C))  # hard: fine
    with pytest.raises(ValueError, match=r'model\.head\.loss'):
        MODELS.build(dict(
            type='MultiMixClassifier',
            backbone=dict(type='PreActResNet', depth=18, base_channels=8),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=C, in_channels=64),
            loss=dict(type='WeightedSoftCrossEntropyLoss')))


# ------------------------------------------------------------ batch augments
AUGMENTS = dict(augments=dict(type='Mixup', alpha=1.0))


@pytest.mark.parametrize('key', ['train_cfg', 'batch_augments'])
@pytest.mark.parametrize('mixer,distill', [(dict(type='InputMixup'), False),
                                           (None, True),
                                           (dict(type='MultiMix'), True)])
def test_batch_augments_one_rule(key, mixer, distill):
    cfg = dict(type='MultiMixClassifier',
               backbone=dict(type='PreActResNet', depth=18, base_channels=8),
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=C, in_channels=64),
               mixer=mixer, distill=dict(gamma=0.5) if distill else None)
    if key == 'train_cfg':
        cfg['train_cfg'] = copy.deepcopy(AUGMENTS)
    else:
        cfg['data_preprocessor'] = dict(num_classes=C,
                                        batch_augments=copy.deepcopy(
                                            AUGMENTS))
    with pytest.raises(ValueError, match=r'batch augments \(model\.train_cfg'
                       r'\.augments or model\.data_preprocessor\.batch_'
                       r'augments\) cannot be combined'):
        MODELS.build(cfg)


@pytest.mark.parametrize('key', ['train_cfg', 'batch_augments'])
def test_batch_augments_alone_mean_what_mmpretrain_says(key):
    cfg = dict(backbone=dict(type='PreActResNet', depth=18, base_channels=8),
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=C, in_channels=64))
    cfg['data_preprocessor'] = dict(num_classes=C)
    if key == 'train_cfg':
        cfg['train_cfg'] = copy.deepcopy(AUGMENTS)
    else:
        cfg['data_preprocessor']['batch_augments'] = copy.deepcopy(AUGMENTS)
    batch = dict(inputs=[torch.randint(0, 255, (3, 16, 16), dtype=torch.uint8)
                         for _ in range(6)], data_samples=_samples(6))
    out = []
    for typ in ('ImageClassifier', 'MultiMixClassifier'):
        torch.manual_seed(0)
        model = MODELS.build(dict(copy.deepcopy(cfg), type=typ))
        model.init_weights()
        torch.manual_seed(5)  # the batch augment's draws (torch and numpy)
        np.random.seed(5)
        data = model.data_preprocessor(copy.deepcopy(batch), True)
        out.append(model.train().loss(**data))
    torch.testing.assert_close(out[1]['loss'], out[0]['loss'])


# -------------------------------------------------- teacher and accumulation
class _CountTeacher(Hook):

    def __init__(self):
        self.updates = 0

    def before_train(self, runner):
        model = runner.model
        real = model.update_teacher

        def counted(*args, **kwargs):
            self.updates += 1
            return real(*args, **kwargs)

        model.update_teacher = counted


class _CountSteps(Hook):

    def __init__(self):
        self.steps = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.steps += bool(runner.optim_wrapper.should_update())


def _digits_cfg(name, work_dir):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo', name + '.py'))
    cfg.work_dir = work_dir
    cfg.log_level = 'ERROR'
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1,
                                        save_last=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1000)
    cfg.train_cfg.val_interval = 10**6
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.randomness = dict(seed=0)
    return cfg


@pytest.mark.parametrize('k', [1, 2])
def test_teacher_steps_once_per_optimizer_step(k, tmp_path):
    cfg = _digits_cfg('digits_distil', str(tmp_path))
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=4,
                         val_interval=10**6)
    cfg.param_scheduler = None
    cfg.optim_wrapper.accumulative_counts = k
    cfg.train_dataloader.batch_size = 16
    runner = Runner.from_cfg(cfg)
    teacher, steps = _CountTeacher(), _CountSteps()
    runner.register_hook(teacher, priority='VERY_HIGH')
    runner.register_hook(steps, priority='LOWEST')
    runner.train()
    assert steps.steps == 4 // k
    assert teacher.updates == 4 // k


# ------------------------------------------------------ one embedding meaning
HEADS = {
    'linear': dict(type='LinearClsHead', num_classes=C, in_channels=64),
    'vit': dict(type='VisionTransformerClsHead', num_classes=C,
                in_channels=64),
    'vit_hidden': dict(type='VisionTransformerClsHead', num_classes=C,
                       in_channels=64, hidden_dim=32),
    'stacked': dict(type='StackedLinearClsHead', num_classes=C,
                    in_channels=64, mid_channels=[32]),
}


@pytest.mark.parametrize('head', sorted(HEADS))
def test_embedding_is_the_heads_input_for_every_head(head):
    """``layer='embedding'`` mixes the head's input (after the neck); the
    logit shortcut gives the same loss where it is taken, and only where it
    is exact."""
    torch.manual_seed(1)
    x, samples = torch.randn(6, 3, 16, 16).double(), _samples(6)
    losses = {}
    for shortcut in (True, False):
        torch.manual_seed(0)
        model = MODELS.build(dict(
            type='MultiMixClassifier',
            backbone=dict(type='PreActResNet', depth=18, base_channels=8),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(HEADS[head], loss=LOSSES['ours']),
            mixer=dict(type='MultiMix', n=12, prob=1.0),
            interpolate_logits=shortcut))
        model.init_weights()
        model = model.double().train()
        gen = model.mixer.generator.get_state()
        losses[shortcut] = model.loss(x, samples)['loss']
        # by hand: the head on ΛᵀZ, Z the neck's output
        model.mixer.generator.set_state(gen)
        lam = model.mixer.sample(6).lam.double()
        z = model.neck(model.backbone(x))[-1]
        y = soft_targets(samples, C, x.device).double()
        ref = Fm.soft_cross_entropy(model.head((lam.t() @ z, )),
                                    lam.t() @ y).mean()
        torch.testing.assert_close(losses[shortcut], ref)
    from mmmultimix.models.utils import affine_classifier
    assert (affine_classifier(model.head) is not None) == (head in ('linear',
                                                                    'vit'))


# --------------------------------------------------------- seeds pair runs
class _Weights(Exception):
    pass


class _Capture(Hook):

    def before_train(self, runner):
        raise _Weights({k: v.clone() for k, v in
                        runner.model.state_dict().items()
                        if k.startswith(('backbone', 'head'))})


def test_same_seed_same_initial_weights_with_and_without_a_mixer(tmp_path):
    weights = []
    for name in ('digits_baseline', 'digits_input_mixup', 'digits_multimix'):
        runner = Runner.from_cfg(_digits_cfg(name, str(tmp_path / name)))
        runner.register_hook(_Capture(), priority='VERY_HIGH')
        with pytest.raises(_Weights) as got:
            runner.train()
        weights.append(got.value.args[0])
    for other in weights[1:]:
        assert other.keys() == weights[0].keys()
        for k in weights[0]:
            assert torch.equal(other[k], weights[0][k]), k


def test_mixer_stream_is_seeded_without_drawing():
    torch.manual_seed(3)
    before = torch.random.get_rng_state()
    a = MODELS.build(dict(type='MultiMix'))
    assert torch.equal(torch.random.get_rng_state(), before)
    torch.manual_seed(3)
    b = MODELS.build(dict(type='InputMixup'))
    assert torch.equal(a.generator.get_state(), b.generator.get_state())
    torch.manual_seed(4)
    c = MODELS.build(dict(type='MultiMix'))
    assert not torch.equal(a.generator.get_state(), c.generator.get_state())
    # not the weights' stream: the first draws differ from the global RNG's
    torch.manual_seed(3)
    assert not torch.equal(torch.rand(8), torch.rand(8, generator=a.generator))


# ---------------------------------------------------- refused at build time
@pytest.mark.parametrize('backbone', [
    dict(type='ResNet_CIFAR', depth=18),
    dict(type='RegNet', arch='regnetx_400mf'),
])
def test_cifar_resnet_and_regnet_mix_at_every_layer(backbone):
    from mmmultimix.models.utils import num_stages
    torch.manual_seed(0)
    probe = MODELS.build(backbone)
    k = num_stages(probe)
    assert k == 4
    x, samples = torch.randn(4, 3, 32, 32), _samples(4)
    probe.eval()  # mmpretrain's ResNet.train() returns None
    full = probe(x)[-1]
    from mmmultimix.models.utils import forward_stages
    torch.testing.assert_close(forward_stages(probe, x, 0, k), full)
    for layer in range(k + 1):
        model = MODELS.build(dict(
            type='MultiMixClassifier', backbone=backbone,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=C,
                      in_channels=full.shape[1]),
            mixer=dict(type='ManifoldMixup', layers=(layer, ))))
        assert torch.isfinite(model.train().loss(x, samples)['loss'])


def test_a_backbone_that_cannot_run_by_stage_fails_at_build():
    from mmpretrain.models.backbones import ResNet

    @MODELS.register_module(force=True)
    class _OwnForwardResNet(ResNet):

        def forward(self, x):
            return super().forward(x)

    with pytest.raises(ValueError, match=r'model\.mixer\.layer.*model\.'
                       r'backbone \(_OwnForwardResNet\)'):
        MODELS.build(dict(
            type='MultiMixClassifier',
            backbone=dict(type='_OwnForwardResNet', depth=18),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=C, in_channels=512),
            mixer=dict(type='ManifoldMixup', layers=(0, 1))))


def test_conformer_head_trains_plain_and_is_refused_with_a_mixer():
    head = dict(type='ConformerHead', num_classes=C, in_channels=[8, 8])
    with pytest.raises(ValueError, match=r'model\.head \(ConformerHead\)'):
        MODELS.build(dict(type='MultiMixClassifier',
                          backbone=dict(type='PreActResNet', depth=18),
                          head=head, mixer=dict(type='InputMixup')))
    # without mixing it is ImageClassifier's loss (the head's own pair)
    model = MODELS.build(dict(type='MultiMixClassifier',
                              backbone=dict(type='PreActResNet', depth=18),
                              head=head)).train()
    feats = ([torch.randn(4, 8), torch.randn(4, 8)], )
    model.extract_feat = lambda inputs: feats
    losses = model.loss(torch.zeros(4, 3, 8, 8), _samples(4))
    ref = model.head.loss(feats, _samples(4))
    torch.testing.assert_close(losses['loss'], ref['loss'])
