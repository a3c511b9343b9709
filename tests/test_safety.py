"""When things go wrong (issue 20): a kill never loses a checkpoint,
tools/test.py never evaluates random weights, DDP resume is exact, outputs
stay small, reruns never overwrite silently, errors name what is wrong."""
import os
import os.path as osp
import pickle
import re
import socket
import subprocess
import sys

import pytest
import torch
from runlog import scalars

import mmmultimix  # noqa: F401  (checkpoint loading policy)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO = osp.join(ROOT, 'configs', 'demo')
KILL_HOOKS = osp.join(ROOT, 'tests', 'dist_scripts')


def _proc(args, env=None, timeout=600):
    env = dict(os.environ if env is None else env, OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join([ROOT, KILL_HOOKS,
                                         env.get('PYTHONPATH', '')])
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _ok(proc):
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _train(cfg, work, *extra):
    return _proc([sys.executable, 'tools/train.py', str(cfg), '--work-dir',
                  str(work)] + list(extra))


def _test(cfg, ckpt, *extra):
    return _proc([sys.executable, 'tools/test.py', str(cfg), str(ckpt)]
                 + list(extra))


def _cfg(tmp_path, name, base, body=''):
    path = tmp_path / f'{name}.py'
    path.write_text(f"_base_ = ['{osp.join(DEMO, base)}']\n" + body)
    return path


def _state(path):
    return torch.load(path, map_location='cpu')['state_dict']


@pytest.fixture(scope='module')
def baseline(tmp_path_factory):
    """One epoch of the digits baseline: a checkpoint to test against."""
    work = tmp_path_factory.mktemp('baseline')
    _ok(_train(osp.join(DEMO, 'digits_baseline.py'), work, '--cfg-options',
               'train_cfg.max_epochs=1',
               'default_hooks.checkpoint.interval=1'))
    return work


# 1 ------------------------------------------------------------------------
def test_kill_during_save_keeps_previous_checkpoint_and_resumes(tmp_path):
    cfg = _cfg(tmp_path, 'kill', 'digits_multimix.py', """
custom_imports = dict(imports=['mmmultimix', 'kill_hooks'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='RNGStateHook'),
                dict(type='KillMidSaveHook', epoch=2)]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1))
train_cfg = dict(max_epochs=2, val_interval=100)
""")
    work = tmp_path / 'work'
    proc = _train(cfg, work)
    assert proc.returncode != 0  # killed while writing epoch 2
    assert not osp.exists(work / 'epoch_2.pth')  # never a truncated file
    assert osp.isfile(work / 'epoch_1.pth')
    assert (work / 'last_checkpoint').read_text().endswith('epoch_1.pth')
    assert _state(work / 'epoch_1.pth')  # complete and loadable
    out = _ok(_train(cfg, work, '--resume'))
    assert 'Load checkpoint from' in out or 'resumed' in out.lower()
    assert osp.isfile(work / 'epoch_2.pth')
    assert not osp.exists(work / 'epoch_1.pth')  # pruned after the new one
    assert not [f for f in os.listdir(work) if f.endswith('.tmp')]


def test_kill_during_best_save_leaves_no_truncated_best(tmp_path):
    """The best checkpoint (save_best) is written atomically too: killed
    mid-write, no best file exists (none truncated), the periodic one is
    whole; the resumed run writes a loadable best."""
    cfg = _cfg(tmp_path, 'kill_best', 'digits_baseline.py', """
custom_imports = dict(imports=['mmmultimix', 'kill_hooks'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='RNGStateHook'), dict(type='KillMidBestSaveHook')]
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1,
                                     save_best='auto'))
train_cfg = dict(max_epochs=2, val_interval=1)
""")
    work = tmp_path / 'work'
    proc = _train(cfg, work)
    assert proc.returncode != 0  # killed while writing the first best
    assert not [f for f in os.listdir(work) if f.startswith('best_')]
    assert _state(work / 'epoch_1.pth')
    _ok(_train(cfg, work, '--resume'))
    best = [f for f in os.listdir(work) if f.startswith('best_')]
    assert len(best) == 1 and _state(work / best[0])
    assert not [f for f in os.listdir(work) if f.endswith('.tmp')]


def test_paper_configs_keep_few_checkpoints():
    """No config keeps one checkpoint per epoch: at most 5 periodic ones,
    plus the best by validation."""
    import glob

    from mmengine.config import Config
    paths = sorted(glob.glob(osp.join(ROOT, 'configs', 'multimix', '*.py')) +
                   glob.glob(osp.join(ROOT, 'configs', 'detection', '*.py')))
    assert len(paths) > 100
    for path in paths:
        ck = Config.fromfile(path).default_hooks.checkpoint
        assert ck.type == 'SafeCheckpointHook', path
        assert 1 <= ck.get('max_keep_ckpts', -1) <= 5, path
        assert ck.get('save_best') == 'auto', path


def test_nonfinite_state_is_never_saved():
    from types import SimpleNamespace

    from mmmultimix.engine.hooks.safe_checkpoint_hook import \
        check_finite_state
    model = torch.nn.Linear(2, 2)
    runner = SimpleNamespace(model=model, epoch=4, iter=9, work_dir='w')
    check_finite_state(runner)  # finite: fine
    with torch.no_grad():
        model.weight[0, 0] = float('nan')
    with pytest.raises(FloatingPointError, match=r'epoch 5, iteration 10'):
        check_finite_state(runner)


# 2 ------------------------------------------------------------------------
def test_test_py_refuses_mismatched_checkpoint(baseline):
    proc = _test(osp.join(DEMO, 'digits_baseline.py'),
                 baseline / 'epoch_1.pth',
                 '--cfg-options', 'model.head.num_classes=12')
    assert proc.returncode != 0
    assert 'does not match the model' in proc.stderr
    assert 'head.fc.weight: checkpoint (10, 128) vs model (12, 128)' in \
        proc.stderr


def _model_of(name, **opts):
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(DEMO, name))
    cfg.merge_from_dict(opts)
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('case,name,opts,key', [
    ('wider', 'digits_baseline.py', {'model.backbone.widen_factor': 4},
     'backbone.'),
    ('teacher missing', 'digits_distil.py', {'model.predict_with': 'teacher'},
     'missing (teacher.'),
])
def test_mismatched_checkpoints_are_refused(baseline, case, name, opts, key):
    from mmmultimix.engine import CheckpointMismatchError, load_test_checkpoint
    with pytest.raises(CheckpointMismatchError, match=re.escape(key)):
        load_test_checkpoint(_model_of(name, **opts),
                             str(baseline / 'epoch_1.pth'))


def test_empty_and_partial_checkpoints(baseline, tmp_path):
    from mmpretrain.structures import DataSample

    from mmmultimix.engine import CheckpointMismatchError, load_test_checkpoint
    empty = tmp_path / 'empty.pth'
    torch.save({}, empty)
    with pytest.raises(CheckpointMismatchError, match='missing'):
        load_test_checkpoint(_model_of('digits_baseline.py'), str(empty))
    # allow_partial evaluates anyway; test-time labels are range-checked
    model = _model_of('digits_baseline.py', **{'model.head.num_classes': 5})
    load_test_checkpoint(model, str(baseline / 'epoch_1.pth'),
                         allow_partial=True)
    model.eval()
    samples = [DataSample().set_gt_label(y) for y in (1, 9)]
    with pytest.raises(ValueError, match=re.escape('labels must lie in '
                                                   '[0, 4]')):
        model.predict(torch.randn(2, 1, 8, 8), samples)


def test_unreadable_checkpoints_name_the_file(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint

    from mmmultimix.checkpoint import CheckpointReadError
    text = tmp_path / 'notes.pth'
    text.write_text('epoch 3 was good\n')
    with pytest.raises(CheckpointReadError, match='notes.pth'):
        _load_checkpoint(str(text), map_location='cpu')
    full = tmp_path / 'full.pth'
    torch.save({'state_dict': {'w': torch.randn(1000)}}, full)
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(full.read_bytes()[:2000])
    with pytest.raises(CheckpointReadError, match='cut.pth'):
        _load_checkpoint(str(cut), map_location='cpu')


# 3 + 5 --------------------------------------------------------------------
def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _dist_train(cfg, work, *extra):
    env = dict(os.environ, PORT=str(_free_port()))
    env.pop('PYTHON', None)
    return _proc(['bash', 'tools/dist_train.sh', str(cfg), '2',
                  '--work-dir', str(work)] + list(extra), env=env)


def test_ddp_resume_is_exact_and_validation_matches_test_py(tmp_path):
    body = """
custom_imports = dict(imports=['mmmultimix', 'kill_hooks'],
                      allow_failed_imports=False)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3),
                     logger=dict(interval=1))
train_cfg = dict(max_epochs=2, val_interval=1)
"""
    plain = _cfg(tmp_path, 'plain', 'digits_multimix.py', body)
    killed = _cfg(tmp_path, 'killed', 'digits_multimix.py', body + """
custom_hooks = [dict(type='RNGStateHook'),
                dict(type='KillAfterEpochHook', epoch=1)]
""")
    a, b = tmp_path / 'a', tmp_path / 'b'
    _ok(_dist_train(plain, a))
    assert _dist_train(killed, b).returncode != 0  # preempted after epoch 1
    assert osp.isfile(b / 'epoch_1.pth') and not osp.exists(b / 'epoch_2.pth')
    _ok(_dist_train(killed, b, '--resume'))
    sa, sb = _state(a / 'epoch_2.pth'), _state(b / 'epoch_2.pth')
    assert sa.keys() == sb.keys()
    differ = [k for k in sa if not torch.equal(sa[k], sb[k])]
    assert not differ, differ
    # the saved model is the validated one: tools/test.py (one process)
    # reproduces the accuracy logged by validation under DDP
    val = [r['accuracy/top1'] for r in scalars(str(a))
           if 'accuracy/top1' in r]
    out = _ok(_test(plain, a / 'epoch_2.pth', '--work-dir',
                    str(tmp_path / 't')))
    line = [x for x in out.splitlines() if 'mmmultimix test metrics' in x][-1]
    test_acc = eval(line.split(':', 1)[1])['accuracy/top1']
    assert test_acc == pytest.approx(val[-1], abs=1e-6)


# 4 ------------------------------------------------------------------------
def test_predictions_are_copies_not_batch_views():
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample

    model = MODELS.build(dict(
        type='MultiMixClassifier',
        backbone=dict(type='WideResNet', depth=10, widen_factor=4,
                      in_channels=1),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=256)))
    model.eval()
    m, c, d = 64, 10, 256
    samples = [DataSample().set_gt_label(i % c) for i in range(m)]
    with torch.no_grad():
        preds = model.predict(torch.randn(m, 1, 8, 8), samples)
    one = len(pickle.dumps(preds[0]))
    # O(c + d) per sample: a view would pickle the (m, d) batch (64 kB)
    assert one < 4096 + 8 * (c + d), one
    assert preds[0].embedding.shape == (d, )


# 6 ------------------------------------------------------------------------
def test_rerun_into_a_used_work_dir_refuses_unless_asked(baseline, tmp_path):
    proc = _train(osp.join(DEMO, 'digits_baseline.py'), baseline,
                  '--cfg-options', 'train_cfg.max_epochs=1')
    assert proc.returncode != 0
    assert 'holds checkpoints of an earlier run' in proc.stderr
    assert '--resume' in proc.stderr and '--overwrite' in proc.stderr
    assert osp.isfile(baseline / 'epoch_1.pth')  # untouched
    from mmmultimix.engine import guard_work_dir
    (tmp_path / 'epoch_9.pth').write_bytes(b'old')
    (tmp_path / 'last_checkpoint').write_text('epoch_9.pth')
    guard_work_dir(str(tmp_path), resume=True, overwrite=False)  # resumes
    assert osp.isfile(tmp_path / 'epoch_9.pth')
    guard_work_dir(str(tmp_path), resume=False, overwrite=True)
    assert not os.listdir(tmp_path)  # no stale later epochs remain


# 7 ------------------------------------------------------------------------
def test_empty_training_set_names_the_loader(tmp_path):
    from mmengine.config import Config

    from mmmultimix.engine import build_runner
    cfg = Config.fromfile(osp.join(DEMO, 'digits_baseline.py'))
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.dataset.indices = 0
    with pytest.raises(ValueError, match='train_dataloader.dataset is empty'):
        build_runner(cfg).train()


def test_missing_data_names_the_loader(tmp_path):
    from mmengine.config import Config

    from mmmultimix.engine import build_runner
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'multimix',
                                   'r18_cifar10_baseline.py'))
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'nowhere')
    runner = build_runner(cfg)
    with pytest.raises(FileNotFoundError,
                       match=r'train_dataloader\.dataset: .*data_root'):
        runner.train()


@pytest.mark.parametrize('key,kw', [
    ('mixer.dense', dict(mixer=dict(type='MultiMix', dense='no'))),
    ('mixer.cross_rank', dict(mixer=dict(type='MultiMix', cross_rank=1))),
    ('model.interpolate_logits', dict(interpolate_logits='no')),
    ('model.dense_loss', dict(dense_loss='False')),
])
def test_non_bool_switches_are_rejected(key, kw):
    from mmpretrain.registry import MODELS

    cfg = dict(type='MultiMixClassifier',
               backbone=dict(type='WideResNet', depth=10, widen_factor=1,
                             in_channels=1),
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=10,
                         in_channels=64))
    cfg.update(kw)
    with pytest.raises(TypeError, match=key.replace('.', r'\.') +
                       ' must be True or False'):
        MODELS.build(cfg)


def test_divergence_message_uses_the_logs_epoch_and_iteration():
    from mmengine.logging import MessageHub

    from mmmultimix.models.utils import check_finite
    hub = MessageHub.get_instance('divergence-test')
    for k, v in dict(epoch=2, iter=13, max_epochs=10, max_iters=50).items():
        hub.update_info(k, v)
    with pytest.raises(FloatingPointError,
                       match=r'Epoch\(train\) \[3\]\[4/5\]'):
        check_finite(torch.tensor([1.0, float('nan')]))


# 8 ------------------------------------------------------------------------
def test_ood_size_defaults_to_test_size_and_refuses_others(tmp_path):
    from mmengine.config import Config

    from mmmultimix.evaluation import cli
    cfg = Config.fromfile(osp.join(DEMO, 'digits_baseline.py'))
    with pytest.raises(ValueError, match=r'--ood-size 32 differs .*8x8'):
        cli.use_ood(cfg, [str(tmp_path)], size=32)
    cli.use_ood(cfg, [str(tmp_path)])
    load = cfg.test_dataloader.dataset.pipeline[0]
    assert load['type'] == 'LoadImageIfPath' and load['size'] == (8, 8)
