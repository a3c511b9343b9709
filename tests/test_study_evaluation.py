"""The studies evaluate through tools/test.py's own path: a study record's
top-1, FGSM, PGD and ECE equal what ``tools/test.py --attack --metrics
ExpectedCalibrationError`` prints for the same checkpoint."""
import ast
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _tools_test(cfg, ckpt, work_dir, *extra):
    env = dict(os.environ, OMP_NUM_THREADS=str(torch.get_num_threads()))
    out = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'test.py'), cfg, ckpt,
         '--work-dir', work_dir, '--attack', '--metrics',
         'ExpectedCalibrationError', *extra],
        capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    line = [x for x in out.stdout.splitlines()
            if x.startswith('mmmultimix test metrics:')][-1]
    return ast.literal_eval(line.split(':', 1)[1].strip())


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A digits MultiMix model trained 1 epoch by the studies' run_one, its
    checkpoint, and the record (FGSM / PGD on the first 37 test images:
    the last attacked batch is cut)."""
    from mmmultimix.studies.training import run_one
    tmp = tmp_path_factory.mktemp('study_eval')
    ckpt = str(tmp / 'model.pth')
    rec = run_one('digits_multimix', {}, 3, str(tmp / 'work'), epochs=1,
                  robust_n=37, val=True, checkpoint=ckpt)
    return rec, ckpt, tmp


def test_study_record_equals_tools_test(trained):
    rec, ckpt, tmp = trained
    cfg = osp.join(ROOT, 'configs', 'demo', 'digits_multimix.py')
    m = _tools_test(cfg, ckpt, str(tmp / 'test'), '--cfg-options',
                    'test_cfg.attack_samples=37')
    assert rec['acc'] == m['clean/accuracy/top1']
    assert rec['clean'] == m['clean/error']
    assert rec['ece'] == m['clean/calibration/ece']
    assert rec['fgsm'] == m['fgsm_eps0.03137/error']
    assert rec['pgd'] == m['pgd_eps0.01569/error']
    # 37 attacked images: every error a multiple of 100/37
    for k in ('fgsm', 'pgd'):
        assert abs(rec[k] * 37 / 100 - round(rec[k] * 37 / 100)) < 1e-6
    assert 0 <= rec['val_acc'] <= 100
    assert rec['meta']['robust_n'] == 37


def test_attack_samples_counts_the_first_images(trained):
    """attack_samples=N evaluates the attacks on exactly the first N test
    images: an attack of radius 0 on them has the error of the first N
    clean predictions."""
    from mmengine.config import Config

    from mmmultimix.engine import build_runner
    from mmmultimix.engine.eval_checkpoint_loader import load_test_checkpoint
    from mmmultimix.evaluation import cli
    rec, ckpt, tmp = trained
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'demo', 'digits_multimix.py'))
    cfg.work_dir = str(tmp / 'test0')
    cfg.log_level = 'ERROR'
    cli.use_attacks(cfg, [dict(type='FGSM', eps=0, name='none')], 37)
    out = str(tmp / 'preds.pkl')
    cfg.test_evaluator = [cfg.test_evaluator,
                          dict(type='DumpResults', out_file_path=out)]
    runner = build_runner(cfg)
    load_test_checkpoint(runner.model, ckpt, False)
    m = runner.test()
    import pickle
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 37  # the attack's pass, dumped last
    wrong = sum(int(p['pred_label'][0] != p['gt_label'][0]) for p in preds)
    # mmpretrain's Accuracy is a float32 percentage
    assert m['none/error'] == pytest.approx(100.0 * wrong / 37, abs=1e-4)
    assert m['clean/error'] == rec['clean']


def test_attack_samples_is_checked():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match='test_cfg.attack_samples'):
            _check_samples(bad)


def _check_samples(value):
    from unittest import mock

    from mmmultimix.evaluation.loops import AdversarialTestLoop
    with mock.patch('mmengine.runner.TestLoop.__init__', return_value=None):
        AdversarialTestLoop(None, None, None, attack_samples=value)
