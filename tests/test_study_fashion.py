"""The Fashion-MNIST study's statistics, schedule choice and report
(``reproduce.py --study fashion``), on synthetic run results: seconds."""
import os.path as osp
import statistics

import pytest

from mmmultimix.studies import fashion as S


def test_paired_interval_by_hand():
    a, b = [80.0, 82.0, 81.0, 83.0, 79.0], [79.0, 80.5, 80.0, 81.0, 79.5]
    d = [x - y for x, y in zip(a, b)]  # 1, 1.5, 1, 2, -0.5
    mean, lo, hi = S.paired(a, b)
    half = 2.776445 * statistics.stdev(d) / 5**0.5  # Student t, df 4
    assert mean == pytest.approx(1.0)
    assert (lo, hi) == pytest.approx((1.0 - half, 1.0 + half))
    assert S.paired([1.0], [0.5]) == (0.5, 0.5, 0.5)
    with pytest.raises(ValueError):
        S.paired([1.0, 2.0], [1.0])
    assert S.t975(1) == pytest.approx(12.706, abs=1e-3)
    assert S.t975(100) == pytest.approx(1.984, abs=1e-3)  # scipy's


def test_verdicts():
    assert S.verdict(0.1, 2.0) == 'holds'
    assert S.verdict(-2.0, -0.1) == 'does not hold'
    assert S.verdict(-0.1, 2.0) == 'cannot tell at this power'
    assert S.verdict(0.0, 0.0) == 'cannot tell at this power'


def test_schedule_choice_uses_val_only_and_ties_take_shorter():
    assert S.choose_epochs({25: [80, 81], 50: [82, 83], 100: [81, 82]}) == 50
    assert S.choose_epochs({25: [80, 82], 50: [81, 81]}) == 25
    with pytest.raises(ValueError):
        S.choose_epochs({25: []})


def _fake(row, seed, epochs=100, npc=50):
    """Synthetic metrics: MultiMix 1 point over input mixup, val peaks at 25
    epochs while test keeps rising (the choice must follow val)."""
    base = dict(baseline=80, input_mixup=82, manifold_mixup=82.5,
                cutmix=81, multimix=83, dense=83.2, distil=84,
                dense_distil=85)[row] + 0.1 * seed + npc / 1000
    acc = base + epochs / 100
    val = base - abs(epochs - 25) / 50
    return dict(acc=acc, val_acc=val, clean=100 - acc, fgsm=50 - base / 10,
                pgd=60 - base / 10, ece=5 - base / 100)


def test_claims_on_synthetic_results():
    seeds = [0, 1, 2]
    res = {(r, s): _fake(r, s) for r in S.ROWS for s in seeds}
    rows = {c[0].split(' (')[0]: c for c in S.claim_rows(res, seeds)}
    assert rows['MultiMix > input mixup'][1] == pytest.approx(1.0)
    assert rows['MultiMix > input mixup'][4] == 'holds'
    assert rows['MultiMix: lower FGSM error than input mixup'][4] == 'holds'
    assert rows['+dense+distil best'][4] == 'holds'
    # a row that beats +dense+distil on every seed: "does not hold"
    for s in seeds:
        res[('cutmix', s)]['acc'] = (res[('dense_distil', s)]['acc']
                                     + 1 + 0.1 * s)
    best = [c for c in S.claim_rows(res, seeds) if 'best' in c[0]][0]
    assert best[4] == 'does not hold' and 'CutMix' in best[0]


def test_run_fashion_chooses_on_val_and_writes_report(tmp_path, monkeypatch):
    calls = []

    def execute(jobs, results, out, n_jobs, train=True, **kw):
        todo = {k: j for k, j in jobs.items() if k not in results}
        calls.append(list(todo.values()))
        lengths = [j[3] * j[1]['train_dataloader.dataset.num_per_class']
                   for j in todo.values()]
        assert lengths == sorted(lengths, reverse=True)  # longest first
        for key, (cfg, opts, seed, epochs, robust_n, val) in todo.items():
            row = cfg.split('_', 1)[1]
            npc = opts['train_dataloader.dataset.num_per_class']
            results[key] = _fake(row, seed, epochs, npc)
        return results

    monkeypatch.setattr(S, 'execute', execute)
    md = S.run_fashion(str(tmp_path), [0, 1, 2], jobs=2)
    assert len(calls) == 2  # sweep + large regime, then low data
    sweep_epochs = {j[3] for j in calls[0] if j[1][
        'train_dataloader.dataset.num_per_class'] == S.SETTINGS['low']}
    assert sweep_epochs == set(S.SETTINGS['sweep'])
    # val peaks at 25 epochs although test accuracy is higher at 50
    assert {j[3] for j in calls[1]} == {25}
    assert all(j[4] == S.SETTINGS['robust_n'] for j in calls[1])
    # the low regime's input mixup and MultiMix rows are the sweep's runs
    assert {j[0] for j in calls[1]} == {
        f'fashion_{r}' for r in S.ROWS if r not in ('input_mixup', 'multimix')}
    assert '| 25 (100) (chosen)' in md
    assert md.count('| MultiMix > input mixup | +1.00') == 2
    assert osp.isfile(tmp_path / 'fashion.md')
    assert osp.isfile(tmp_path / 'fashion_sweep.png')
