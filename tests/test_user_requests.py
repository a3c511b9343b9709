"""Teacher evaluation/export, soft training metrics, any batch size, no
hidden defaults (issue: what mixup users keep asking for)."""
import glob
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmmultimix  # noqa: F401
from runlog import scalars

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def _run(args):
    proc = subprocess.run([sys.executable] + args, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture(scope='module')
def distilled(tmp_path_factory):
    work = str(tmp_path_factory.mktemp('distil'))
    cfg = osp.join(ROOT, 'configs', 'demo', 'digits_distil.py')
    _run(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
          'train_cfg.max_epochs=10', 'train_cfg.val_interval=10'])
    return cfg, work, osp.join(work, 'epoch_10.pth')


def test_validation_logs_student_and_teacher(distilled):
    _, work, _ = distilled
    rows = scalars(work)
    val = [r for r in rows if 'accuracy/top1' in r][-1]
    assert 'teacher/accuracy/top1' in val
    assert val['accuracy/top1'] != val['teacher/accuracy/top1']
    train = [r for r in rows if 'acc_soft' in r]
    assert train and all(0 <= r['acc_soft'] <= 100 for r in train)


def test_tools_test_teacher_flag(distilled, tmp_path):
    cfg, _, ckpt = distilled
    pat = r"mmmultimix test metrics: \{'accuracy/top1': ([0-9.]+)"
    s = _run(['tools/test.py', cfg, ckpt, '--work-dir', str(tmp_path / 's')])
    t = _run(['tools/test.py', cfg, ckpt, '--work-dir', str(tmp_path / 't'),
              '--teacher'])
    acc_s = float(re.search(pat, s).group(1))
    acc_t = float(re.search(pat, t).group(1))
    assert acc_s != acc_t


def test_exported_teacher_is_a_plain_classifier(distilled, tmp_path):
    from mmengine.runner import load_checkpoint
    cfg_path, _, ckpt = distilled
    out = str(tmp_path / 'teacher.pth')
    _run(['tools/export_checkpoint.py', ckpt, out, '--teacher'])
    cfg = Config.fromfile(cfg_path)
    ours = MODELS.build(cfg.model)
    load_checkpoint(ours, ckpt, map_location='cpu', strict=True)
    plain_cfg = dict(type='ImageClassifier', backbone=cfg.model.backbone,
                     neck=cfg.model.neck, head=cfg.model.head)
    plain = MODELS.build(plain_cfg)
    load_checkpoint(plain, out, map_location='cpu', strict=True)
    ours.eval(), plain.eval()
    x = torch.randn(16, 1, 8, 8)
    with torch.no_grad():
        t_ours = ours.teacher.module(x)
        ours.predict_with = 'teacher'
        t_ours2 = ours(x)
        t_plain = plain(x)
    assert torch.equal(t_ours, t_plain) and torch.equal(t_ours2, t_plain)
    assert not torch.equal(t_plain, ours.head(ours.extract_feat(x)))


def test_soft_accuracy_by_hand():
    from mmmultimix.models.utils import soft_accuracy
    logits = torch.tensor([[2., 1., 0.], [0., 3., 1.], [1., 0., 0.5]])
    targets = torch.tensor([[.6, .4, 0.], [.5, .2, .3], [.1, .1, .8]])
    # argmax agree: row 0 (0 vs 0) yes, row 1 (1 vs 0) no, row 2 (0 vs 2) no
    acc = soft_accuracy(logits, targets)
    assert acc.item() == pytest.approx(100 / 3)


VARIANTS = {
    'multimix': dict(mixer=dict(type='MultiMix', n=50, prob=1.0)),
    'dense': dict(mixer=dict(type='MultiMix', n=50, prob=1.0, dense=True)),
    'input_mixup': dict(mixer=dict(type='InputMixup', alpha=1.0)),
    'manifold_mixup': dict(mixer=dict(type='ManifoldMixup', alpha=2.0)),
    'distil': dict(mixer=dict(type='MultiMix', n=50, prob=1.0),
                   distill=dict(gamma=0.5, momentum=0.01)),
    'dense_distil': dict(
        mixer=dict(type='MultiMix', n=50, prob=1.0, dense=True),
        distill=dict(gamma=0.5, momentum=0.01)),
}


@pytest.mark.parametrize('m', [1, 2, 3, 127])
@pytest.mark.parametrize('variant', list(VARIANTS))
def test_every_variant_trains_a_step_for_any_batch_size(variant, m):
    kw = VARIANTS[variant]
    dense = kw['mixer'].get('dense', False)
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='MultiMixClassifier',
             backbone=dict(type='WideResNet', depth=10, widen_factor=1,
                           in_channels=1),
             neck=None if dense else dict(type='GlobalAveragePooling'),
             head=dict(type='DenseLinearClsHead' if dense else
                       'LinearClsHead', num_classes=10, in_channels=64),
             **kw))
    model.init_weights()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                          lr=0.1)
    before = model.head.fc.weight.detach().clone()
    x = torch.randn(2, m, 1, 8, 8)
    losses = model.loss(x, _samples(torch.arange(m) % 10))
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    opt.step()
    model.update_teacher()
    assert torch.isfinite(total)
    assert not torch.equal(before, model.head.fc.weight)


def test_momentum_convention_is_mmengine():
    """teacher <- (1 - momentum) teacher + momentum student."""
    model = MODELS.build(
        dict(type='MultiMixClassifier',
             backbone=dict(type='WideResNet', depth=10, widen_factor=1),
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=3, in_channels=64),
             distill=dict(gamma=0.5, momentum=0.25)))
    model.update_teacher()  # first update copies the student
    t0 = model.teacher.module.head.fc.weight.clone()
    with torch.no_grad():
        model.head.fc.weight.add_(1.0)
    model.update_teacher()
    torch.testing.assert_close(model.teacher.module.head.fc.weight,
                               0.75 * t0 + 0.25 * model.head.fc.weight)


def test_no_hidden_defaults_in_shipped_configs():
    for path in sorted(glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))):
        if '/detection/' in path or '/_base_/' in path:
            continue
        cfg = Config.fromfile(path)
        name = osp.basename(path)
        mixer = cfg.model.get('mixer')
        # PuzzleMix trains on its official loss: BCE of the softmax (CIFAR
        # and TinyImageNet code), the mixed pair's CE (ImageNet code)
        loss = 'SoftmaxBCELoss' if mixer is not None and \
            mixer.type == 'PuzzleMix' and not name.startswith(
                'r50_imagenet') else 'WeightedSoftCrossEntropyLoss'
        assert cfg.model.head.loss.type == loss, name
        assert 'label_smooth_val' not in cfg.model.head.get('loss', {})
        if mixer is not None and mixer.type in ('AlignMixup', 'PuzzleMix',
                                                'ZetaMixup', 'SaliencyMix'):
            # the official hyper-parameters are spelled out in the config
            keys = dict(AlignMixup=('alpha', 'prob', 'eps', 'max_iter'),
                        PuzzleMix=('alpha', 'block_nums', 'beta', 'gamma',
                                   'eta', 'neigh_size', 't_size',
                                   'clean_lam'),
                        ZetaMixup=('gamma', ),
                        SaliencyMix=('alpha', 'prob'))[mixer.type]
            for key in keys:
                assert key in mixer, (name, key)
        if mixer is not None and mixer.type == 'MultiMix':
            for key in ('n', 'alpha', 'prob', 'input_alpha', 'layer'):
                assert key in mixer, (name, key)
        if cfg.model.get('distill') is not None:
            assert {'gamma', 'momentum'} <= set(cfg.model.distill), name


def _readme_reference():
    # the config reference page of the user guide (moved from the README)
    with open(osp.join(ROOT, 'docs', 'config_reference.md')) as f:
        text = f.read()
    section = text.split('# Config reference', 1)[1].split('\n## ', 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r'^\| `(\w+)\.(\w+)` \| `?([^|`]*)`? \|', line)
        if m:
            rows[(m.group(1), m.group(2))] = m.group(3).strip()
    return rows


def _documented_modules():
    from mmmultimix import datasets, engine, evaluation, models
    from mmmultimix.models.detection import FixedSSDHead
    return {
        'MultiMixClassifier': models.MultiMixClassifier,
        'MultiMix': models.MultiMix,
        'InputMixup': models.InputMixup,
        'CutMix': models.CutMix,
        'ManifoldMixup': models.ManifoldMixup,
        'AlignMixup': models.AlignMixup,
        'ZetaMixup': models.ZetaMixup,
        'SaliencyMix': models.SaliencyMix,
        'PuzzleMix': models.PuzzleMix,
        'SoftmaxBCELoss': models.SoftmaxBCELoss,
        'DenseLinearClsHead': models.DenseLinearClsHead,
        'WeightedSoftCrossEntropyLoss': models.WeightedSoftCrossEntropyLoss,
        'DenseMultiMixLoss': models.DenseMultiMixLoss,
        'FashionMNISTSplit': datasets.FashionMNISTSplit,
        'crop_flip_collate': datasets.crop_flip_collate,
        'PreActResNet': models.PreActResNet,
        'WideResNet': models.WideResNet,
        'EMASelfDistillHook': engine.EMASelfDistillHook,
        'AdversarialTestLoop': evaluation.AdversarialTestLoop,
        'OODMetric': evaluation.OODMetric,
        'AlignmentUniformity': evaluation.AlignmentUniformity,
        'ExpectedCalibrationError': evaluation.ExpectedCalibrationError,
        'StrictPretrained': engine.StrictPretrainedInit,
        'MultiViewClsDataPreprocessor': models.MultiViewClsDataPreprocessor,
        'SafeCheckpointHook': engine.SafeCheckpointHook,
        'FixedSSDHead': FixedSSDHead,
        'OfflineCIFAR10': datasets.OfflineCIFAR10,
        'OfflineCIFAR100': datasets.OfflineCIFAR100,
        'TinyImageNet': datasets.TinyImageNet,
        'Digits': datasets.Digits,
        'OODDataset': evaluation.OODDataset,
        'LoadImageIfPath': evaluation.LoadImageIfPath,
    }


SKIP = {'self', 'init_cfg', 'runner', 'dataloader', 'evaluator', 'fp16',
        'collect_device', 'prefix', 'kwargs', 'pretrained', 'train_cfg',
        'data_preprocessor', 'backbone', 'neck', 'head', 'data_batch'}


def _signature(obj):
    """A registered class's constructor or a registered function."""
    import inspect
    return inspect.signature(obj if inspect.isfunction(obj) else
                             obj.__init__)


def test_readme_config_reference_matches_signatures():
    import inspect
    rows = _readme_reference()
    assert rows, 'docs/config_reference.md has no table'
    for name, cls in _documented_modules().items():
        params = _signature(cls).parameters
        for arg, p in params.items():
            if arg in SKIP or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            assert (name, arg) in rows, \
                f'docs/config_reference.md lacks {name}.{arg}'
            default = rows[(name, arg)]
            if p.default is not inspect.Parameter.empty and \
                    not isinstance(p.default, (dict, tuple, list)):
                assert default == repr(p.default), (name, arg, default)
    for (name, arg) in rows:
        cls = _documented_modules()[name]
        assert arg in _signature(cls).parameters, \
            (f'docs/config_reference.md documents {name}.{arg}, which does '
             'not exist')


def test_exported_teacher_reproduces_logged_teacher_accuracy(distilled,
                                                             tmp_path):
    """The exported teacher (EMA weights with the teacher's own BN
    statistics), evaluated as a plain ImageClassifier on the validation
    set, gives exactly the teacher/accuracy/top1 logged in training."""
    from mmengine.runner import load_checkpoint

    from mmmultimix.datasets import Digits
    cfg_path, work, ckpt = distilled
    logged = [r for r in scalars(work)
              if 'teacher/accuracy/top1' in r][-1]['teacher/accuracy/top1']
    out = str(tmp_path / 'teacher.pth')
    _run(['tools/export_checkpoint.py', ckpt, out, '--teacher'])
    cfg = Config.fromfile(cfg_path)
    plain = MODELS.build(dict(type='ImageClassifier',
                              backbone=cfg.model.backbone,
                              neck=cfg.model.neck, head=cfg.model.head,
                              data_preprocessor=cfg.data_preprocessor))
    load_checkpoint(plain, out, map_location='cpu', strict=True)
    plain.eval()
    ds = Digits(split='test', pipeline=[dict(type='PackInputs')])
    batch = plain.data_preprocessor(
        dict(inputs=[ds[i]['inputs'] for i in range(len(ds))],
             data_samples=[ds[i]['data_samples'] for i in range(len(ds))]))
    with torch.no_grad():
        preds = plain(**batch, mode='predict')
    acc = 100.0 * sum(int(p.pred_label) == int(p.gt_label)
                      for p in preds) / len(preds)
    assert acc == pytest.approx(logged, abs=1e-6)
