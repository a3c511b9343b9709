"""The real mmengine Runner on digits: train -> checkpoint -> resume ->
tools/test.py, through the command-line tools."""
import json
import os.path as osp
import re
import subprocess
import sys

import pytest
from runlog import scalars

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CFG = osp.join(ROOT, 'configs', 'demo', 'digits_baseline.py')


def _run(args, cwd=ROOT):
    proc = subprocess.run([sys.executable] + args, cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _iters_per_epoch():
    import math

    from mmengine.config import Config

    import mmmultimix  # noqa: F401
    from mmmultimix.datasets import Digits
    cfg = Config.fromfile(CFG)
    ds = cfg.train_dataloader.dataset
    n = len(Digits(split='train', num_per_class=ds.num_per_class))
    return math.ceil(n / cfg.train_dataloader.batch_size)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    work = str(tmp_path_factory.mktemp('digits'))
    opts = ['train_cfg.max_epochs=4', 'train_cfg.val_interval=2',
            'default_hooks.checkpoint.interval=2',
            'default_hooks.checkpoint.max_keep_ckpts=3',
            'default_hooks.logger.interval=1']
    _run(['tools/train.py', CFG, '--work-dir', work, '--cfg-options'] + opts)
    return work, opts


def test_train_writes_checkpoints_and_metrics(trained):
    work, _ = trained
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    assert osp.isfile(osp.join(work, 'epoch_4.pth'))
    rows = scalars(work)
    losses = [r['loss'] for r in rows if 'loss' in r]
    accs = [r['accuracy/top1'] for r in rows if 'accuracy/top1' in r]
    assert len(losses) == 4 * _iters_per_epoch()  # logged every iteration
    assert all(loss == loss and loss > 0 for loss in losses)
    assert len(accs) == 2 and all(0.0 <= a <= 100.0 for a in accs)
    # a model trained for 4 epochs on real digits beats chance (10 %)
    assert accs[-1] > 20.0


def test_resume_continues_from_checkpoint(trained, tmp_path):
    work, opts = trained
    import shutil
    resumed = str(tmp_path / 'resumed')
    shutil.copytree(work, resumed)
    opts = [o.replace('max_epochs=4', 'max_epochs=6') for o in opts]
    log = _run(['tools/train.py', CFG, '--work-dir', resumed, '--resume',
                osp.join(resumed, 'epoch_4.pth'), '--cfg-options'] + opts)
    assert osp.isfile(osp.join(resumed, 'epoch_6.pth'))
    # the resumed run continues at epoch 5 (not from scratch)
    rows = [r for r in scalars(resumed) if 'loss' in r]
    ipe = _iters_per_epoch()
    new_steps = sorted(r['step'] for r in rows if r['step'] > 4 * ipe)
    assert new_steps == list(range(4 * ipe + 1, 6 * ipe + 1))
    assert 'resumed' in log.lower() or 'resume' in log.lower()


def test_tools_test_reproduces_validation_metric(trained):
    work, _ = trained
    ckpt = osp.join(work, 'epoch_4.pth')
    out = _run(['tools/test.py', CFG, ckpt, '--work-dir',
                osp.join(work, 'test')])
    match = re.search(r"mmmultimix test metrics: \{'accuracy/top1': "
                      r'([0-9.]+)', out)
    assert match, out[-2000:]
    test_acc = float(match.group(1))
    val_accs = [r['accuracy/top1'] for r in scalars(work)
                if 'accuracy/top1' in r]
    # same weights, same 540 test images: identical top-1
    assert test_acc == pytest.approx(val_accs[-1], abs=1e-6)


def test_weights_only_policy_refuses_unknown_globals(tmp_path):
    import pickle

    import torch

    import mmmultimix  # noqa: F401  (allow-lists mmengine's globals)

    class Evil:

        def __reduce__(self):
            return (print, ('pwned', ))

    path = str(tmp_path / 'evil.pth')
    with open(path, 'wb') as f:
        pickle.dump({'state_dict': {}, 'x': Evil()}, f)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


def test_demo_prints_table(tmp_path):
    out = _run(['tools/demo.py', '--methods', 'baseline', 'multimix',
                '--seeds', '0', '1', '--work-dir', str(tmp_path),
                '--jobs', '2',
                '--cfg-options', 'train_cfg.max_epochs=2',
                'train_cfg.val_interval=1'])
    rows = re.findall(r'^\| (no mixup|MultiMix) \| ([0-9.]+) ± ([0-9.]+) '
                      r'\| 2 \|$', out, flags=re.M)
    assert [r[0] for r in rows] == ['no mixup', 'MultiMix'], out[-2000:]
    for _, mean, std in rows:
        assert 0.0 <= float(mean) <= 100.0 and float(std) >= 0.0
    with open(tmp_path / 'results.json') as f:
        res = json.load(f)
    assert set(res) == {'baseline', 'multimix'}
    assert all(len(v) == 2 for v in res.values())
    assert osp.isfile(tmp_path / 'multimix' / 'seed1' / 'epoch_2.pth')


@pytest.mark.parametrize('i', range(3))
def test_runner_logs_under_its_own_work_dir(i, tmp_path):
    """Runners of one config built in quick succession (one experiment name
    per second) each log under their own work dir: a later test's runner
    neither writes into nor fails on an earlier test's removed tmp_path
    (tests/conftest.py forgets the visualizers after every test)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmmultimix  # noqa: F401
    cfg = Config.fromfile(CFG)
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'ERROR'
    runner = Runner.from_cfg(cfg)
    save_dir = runner.visualizer._vis_backends['LocalVisBackend']._save_dir
    assert save_dir.startswith(str(tmp_path)), save_dir
