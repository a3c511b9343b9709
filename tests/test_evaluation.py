"""Evaluation suite on real trained tiny models (digits)."""
import os
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import mmmultimix  # noqa: F401
from mmmultimix.evaluation import fgsm, pgd
from mmmultimix.evaluation import functional as EF

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CFG = osp.join(ROOT, 'configs', 'demo', 'digits_baseline.py')


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A digits model trained for 60 epochs with the real Runner."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    work = str(tmp_path_factory.mktemp('eval'))
    cfg = Config.fromfile(CFG)
    cfg.work_dir = work
    cfg.log_level = 'ERROR'
    cfg.train_cfg.max_epochs = 60
    cfg.train_cfg.val_interval = 60
    cfg.param_scheduler.milestones = [40, 50]
    cfg.experiment_name = 'eval_fixture'
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model.eval()
    loader = runner.build_dataloader(cfg.test_dataloader)
    batch = next(iter(loader))
    data = model.data_preprocessor(batch, False)
    pre = model.data_preprocessor
    x01 = ((data['inputs'] * pre.std + pre.mean) / 255).clamp(0, 1)
    labels = torch.cat([s.gt_label for s in data['data_samples']])

    def logits_fn(x):
        return model((x * 255 - pre.mean) / pre.std, mode='tensor')

    return dict(work=work, ckpt=osp.join(work, 'epoch_60.pth'),
                logits_fn=logits_fn, x=x01, y=labels)


def _err(logits_fn, x, y):
    with torch.no_grad():
        return 100.0 * float((logits_fn(x).argmax(1) != y).float().mean())


def test_attacks_stay_in_ball_and_range_and_raise_error(trained):
    """What holds by construction on a real model: ε = 0 returns the input,
    every attack stays in the ε-ball and in [0, 1], and one PGD step of
    size ε is FGSM. That PGD (last iterate, Madry et al.) beats FGSM at
    every ε is a habit, not a theorem (it failed at one ε with 2 threads),
    so it is asserted only where it is one
    (:func:`test_pgd_climbs_a_monotone_loss`). The large-ε error check has
    a wide margin: 32/255 on digits takes the error from 10-17 % to 80-81 %
    (FGSM) and 89-92 % (PGD) with 1 and 2 threads, AVX-512 and AVX2
    kernels; 20 points is a third of the smallest gap seen."""
    f, x, y = trained['logits_fn'], trained['x'], trained['y']
    clean = _err(f, x, y)
    assert clean < 20.0  # a trained model
    for eps in (0.0, 2 / 255, 8 / 255, 32 / 255):
        a = fgsm(f, x, y, eps)
        b = pgd(f, x, y, eps, step_size=max(eps / 4, 1e-6), steps=10)
        for adv in (a, b):
            assert float((adv - x).abs().max()) <= eps + 1e-6
            assert float(adv.min()) >= 0.0 and float(adv.max()) <= 1.0
        if eps == 0:
            assert torch.equal(a, x) and torch.equal(b, x)
        else:
            one = pgd(f, x, y, eps, step_size=eps, steps=1)
            assert torch.equal(one, a)  # one step of size eps is FGSM
    big = 32 / 255
    assert _err(f, fgsm(f, x, y, big), y) > clean + 20.0
    assert _err(f, pgd(f, x, y, big, big / 4, 10), y) > clean + 20.0


def test_pgd_climbs_a_monotone_loss():
    """A loss that is a decreasing function of one linear score ``w·x``
    (two classes, logits ``(0, w·x)``, label 1): every sign step moves
    the score the same way, so PGD's loss never falls from step to step
    and its end point is at least as adversarial as FGSM's (both reach the
    corner ``x − ε·sign(w)`` of the ball, clipped to [0, 1])."""
    g = torch.Generator().manual_seed(0)
    w = torch.randn(3 * 4 * 4, generator=g)
    x = torch.rand(6, 3, 4, 4, generator=g)
    y = torch.ones(6, dtype=torch.long)

    def f(v):
        s = v.flatten(1) @ w
        return torch.stack([torch.zeros_like(s), s], 1)

    def loss(v):
        return torch.nn.functional.cross_entropy(f(v), y, reduction='none')

    eps = 8 / 255
    prev = loss(x)
    adv = x
    for t in range(1, 11):
        nxt = pgd(f, x, y, eps, eps / 4, steps=t)
        assert bool((loss(nxt) >= prev - 1e-6).all())
        prev, adv = loss(nxt), nxt
    corner = (x - eps * torch.sign(w).view(1, 3, 4, 4)).clamp(0, 1)
    corner = torch.max(torch.min(corner, x + eps), x - eps)
    assert torch.allclose(adv, corner, atol=1e-6)
    assert bool((loss(adv) >= loss(fgsm(f, x, y, eps)) - 1e-6).all())


def test_attack_bad_eps():
    with pytest.raises(ValueError, match='eps'):
        fgsm(lambda x: x, torch.zeros(1, 2), torch.zeros(1).long(), -0.1)


def test_ood_metrics_match_sklearn_and_brute_force():
    from sklearn.metrics import average_precision_score, roc_auc_score
    rng = np.random.RandomState(0)
    id_s, ood_s = rng.normal(1, 1, 200), rng.normal(0, 1, 150)
    m = EF.ood_metrics(id_s, ood_s)
    scores = np.concatenate([id_s, ood_s])
    is_id = np.r_[np.ones(200), np.zeros(150)]
    assert m['auroc'] == pytest.approx(100 * roc_auc_score(is_id, scores))
    assert m['aupr_in'] == pytest.approx(
        100 * average_precision_score(is_id, scores))
    assert m['aupr_out'] == pytest.approx(
        100 * average_precision_score(1 - is_id, -scores))
    best = 0.0  # brute force: every threshold "score >= t is ID"
    for t in np.r_[np.sort(scores), np.inf]:
        tpr = np.mean(id_s >= t)
        tnr = np.mean(ood_s < t)
        best = max(best, 0.5 * (tpr + tnr))
    assert m['detection_acc'] == pytest.approx(100 * best)


def test_alignment_uniformity_match_definitions():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(30, 5, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (30, ), generator=g)
    zn = z / z.norm(dim=1, keepdim=True)
    pairs_same, pairs_all = [], []
    for i in range(30):
        for j in range(30):
            if i != j:
                d2 = float(((zn[i] - zn[j])**2).sum())
                pairs_all.append(np.exp(-2 * d2))
                if y[i] == y[j]:
                    pairs_same.append(d2)
    assert EF.alignment(z, y) == pytest.approx(np.mean(pairs_same))
    assert EF.uniformity(z) == pytest.approx(np.log(np.mean(pairs_all)))


def test_ece_matches_direct():
    probs = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.55, 0.45]])
    labels = torch.tensor([0, 1, 1, 0])
    # bins of width 0.5: (0.5,1] holds all; acc 3/4, mean conf 0.6875
    assert EF.expected_calibration_error(probs, labels, 2) == pytest.approx(
        100 * abs(0.75 - (0.9 + 0.6 + 0.7 + 0.55) / 4))


def _test_tool(args):
    proc = subprocess.run([sys.executable, 'tools/test.py', CFG] + args,
                          cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    match = re.search(r'mmmultimix test metrics: (\{.*\})', proc.stdout)
    assert match, proc.stdout[-2000:]
    return eval(match.group(1), {'np': np})  # noqa: S307


def test_tools_test_attack(trained, tmp_path):
    m = _test_tool([trained['ckpt'], '--work-dir', str(tmp_path), '--attack'])
    clean = m['clean/error']
    assert 0 <= clean < 20
    # the tool's wiring (the attacks' maths is tested above): both reported
    # at their configured radius, as errors in [0, 100]. An attack's error
    # at least the clean error is no theorem (an attack can fix a wrong
    # prediction) and at these small radii the gap is a few points only
    for key in ('fgsm_eps0.03137/error', 'pgd_eps0.01569/error'):
        assert 0.0 <= m[key] <= 100.0


def test_tools_test_embedding_and_calibration(trained, tmp_path):
    m = _test_tool([trained['ckpt'], '--work-dir', str(tmp_path),
                    '--metrics', 'AlignmentUniformity',
                    'ExpectedCalibrationError'])
    assert 0 < m['embedding/alignment'] < 4  # squared distances on a sphere
    assert m['embedding/uniformity'] < 0
    assert 0 <= m['calibration/ece'] <= 100
    assert 80 < m['accuracy/top1'] <= 100


def test_tools_test_ood(trained, tmp_path):
    from PIL import Image
    folder = tmp_path / 'ood'
    os.makedirs(folder)
    rng = np.random.RandomState(0)
    for i in range(40):  # noise images: far from digits
        Image.fromarray(rng.randint(0, 256, (8, 8), dtype=np.uint8)).save(
            folder / f'{i}.png')
    m = _test_tool([trained['ckpt'], '--work-dir', str(tmp_path / 'w'),
                    '--ood', str(folder)])
    for k in ('ood/detection_acc', 'ood/auroc', 'ood/aupr_in',
              'ood/aupr_out'):
        assert 0.0 <= m[k] <= 100.0
    assert m['ood/auroc'] > 50.0  # better than chance on noise


def test_umap_tool_writes_png(trained, tmp_path):
    out = tmp_path / 'umap.png'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/umap_embeddings.py', CFG,
         trained['ckpt'], '--out', str(out), '--per-class', '30'],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'wrote' in proc.stdout and '(300 embeddings)' in proc.stdout
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
