"""The long-schedule study (issue 26) on synthetic records: the plan, its
order and estimate, resumption from a partial cache, the statistics and a
report that marks missing cells. Seconds; nothing trains."""
import os.path as osp

import pytest

from mmmultimix.studies import markdown as MD
from mmmultimix.studies import records as REC
from mmmultimix.studies.long import axes as AX
from mmmultimix.studies.long import plan as L
from mmmultimix.studies.long import precision as PR
from mmmultimix.studies.long import report as RP
from mmmultimix.studies.long import settings as SET
from mmmultimix.studies.long import study as LS
from mmmultimix.studies.long import sweep as SW
from mmmultimix.studies.records import job_key, load_cache, write_cache
from mmmultimix.studies.stats import mean_interval, paired, t975


def test_t_quantiles_come_from_scipy():
    assert abs(t975(4) - 2.776445) < 1e-5
    assert abs(t975(1) - 12.7062) < 1e-3
    assert abs(t975(200) - 1.9719) < 1e-3
    with pytest.raises(ValueError):
        t975(0)
    m, lo, hi = paired([3.0, 4.0, 5.0], [1.0, 1.0, 1.0])
    assert m == 3.0 and abs((hi - m) - 4.302653 * 1 / 3**0.5) < 1e-5
    assert mean_interval([2.0]) == (2.0, 2.0, 2.0)


def test_plan_is_seed_major_and_complete():
    entries = L.plan()
    required = {(g, r, s, e) for g, r, s, e in entries}
    for s in range(5):
        for e in (100, 250, 1000):
            for r in ('input_mixup', 'multimix'):
                assert ('sweep', r, s, e) in required
    for s in range(3):
        for r in ('dense_distil', 'input_mixup_distil'):
            assert ('best', r, s, 1000) in required
    assert len(entries) == 5 * 6 + 3 * 2
    seeds = [s for _, _, s, _ in entries]
    assert seeds == sorted(seeds)  # a seed's runs before the next seed's
    allp = L.plan(part='all')
    assert allp[:len(entries)] == entries
    more = {(r, s, e) for g, r, s, e in allp if g == 'more'}
    assert ('multimix', 4, 2000) in more and ('baseline', 0, 1000) in more
    assert ('dense_distil', 4, 1000) in more
    with pytest.raises(ValueError, match='part'):
        L.plan(part='some')


def test_select_runs_a_slice_of_the_plan(tmp_path, capsys):
    allp = L.plan(part='all')
    sub = L.select(allp, rows=['input_mixup', 'multimix'], seeds=[0, 1],
                   epochs=2000)
    assert sub == [('more', r, s, 2000) for s in (0, 1)
                   for r in ('input_mixup', 'multimix')]
    assert L.select(allp) == allp
    with pytest.raises(ValueError, match=r"--rows \['mixup'\].*input_mixup"):
        L.select(allp, rows=['mixup'])
    with pytest.raises(ValueError, match=r'--epochs \[2000\].*1000'):
        L.select(L.plan(), epochs=2000)  # not in the required part
    # the CLI: --rows / --seeds / --epochs slice the long study's plan
    LS.run_long(str(tmp_path), 'all', plan_only=True, rows=['multimix'],
                seeds=[4], epochs=2000)
    assert '1 runs, 0 cached' in capsys.readouterr().out


def test_distil_rows_use_the_paper_momentum():
    cfg, opts, seed, epochs, robust_n, val = L.job('dense_distil', 1, 1000)
    assert cfg == 'fashion_dense_distil' and epochs == 1000
    assert opts['model.distill.momentum'] == 0.001
    assert opts['train_dataloader.dataset.num_per_class'] == 100
    assert robust_n == 500 and val
    assert 'model.distill.momentum' not in L.job('multimix', 1, 100)[1]
    assert SET.steps(1000) == 8000 and SET.steps(100) == 800


def _record(row, seed, epochs, acc, device='cpu', train_s=None):
    steps = SET.steps(epochs)
    return dict(acc=acc, val_acc=acc - 1, fgsm=100 - acc / 2,
                pgd=100 - acc / 3, ece=5.0, clean=100 - acc,
                meta=dict(config=f'fashion_{row}',
                          cfg_options=L.job(row, seed, epochs)[1], seed=seed,
                          train_images=1000, epochs=epochs, steps=steps,
                          threads=1, device=device, robust_n=500,
                          wall_s=1.0, train_s=train_s or steps * 0.2,
                          commit='abc', torch='x'))


def test_plan_estimate_uses_measured_step_times(capsys):
    results = {job_key(L.job('multimix', 0, 1000)):
               _record('multimix', 0, 1000, 80.0, train_s=8000 * 0.5)}
    measured = L.ms_per_step(results)
    assert measured == {'fashion_multimix': 500.0}
    assert L.estimate_min('multimix', 100, measured) == 500 * 800 / 60000
    assert L.estimate_min('dense_distil', 100, measured) == \
        SET.DEFAULT_MS['distil'] * 800 / 60000
    next(iter(results.values()))['meta']['wall_s'] = 7200.0
    L.print_plan(L.plan(), results)
    out = capsys.readouterr().out
    assert out.count('cached') == 2  # the line and the total
    assert '36 runs, 1 cached (they took 2.0 core-hours)' in out


def _fake_execute(train_log):
    def execute(jobs, results, out, n_jobs, train=True, cost=None, **kw):
        todo = [(k, j) for k, j in jobs.items() if k not in results]
        train_log.append([j for _, j in todo])
        if train:
            for k, (cfg, opts, seed, epochs, rn, val) in todo:
                row = cfg[len('fashion_'):]
                acc = 70 + epochs / 100 + (2 if row == 'multimix' and
                                           epochs >= 1000 else 0) + seed / 10
                results[k] = _record(row, seed, epochs, acc)
        return results
    return execute


def test_run_resumes_and_reports(tmp_path, monkeypatch):
    out = str(tmp_path)
    # a partial cache: seed 0's sweep at 1000 epochs only
    partial = {}
    for r in ('input_mixup', 'multimix'):
        partial[job_key(L.job(r, 0, 1000))] = _record(r, 0, 1000, 75.0)
    write_cache(out, partial)
    log = []
    monkeypatch.setattr(LS, 'execute', _fake_execute(log))
    md = LS.run_long(out, report_only=True)
    assert len(log[0]) == 34  # the two cached runs are not redone
    assert 'missing' in md and '(1/5 seeds)' in md
    # the settings table: the paper's EMA momentum at this length, the
    # paper's settings as the configs hold them
    assert '| EMA momentum of the teachers (distil rows) | 0.001 (decay ' \
        '0.999) |' in md
    assert '| 128, 1000, U[0.5, 2.0], 0.5, 0.5, 0.1, 0.9, 0.0001,' in md
    md = LS.run_long(out)
    assert len(log[1]) == 34
    assert osp.isfile(tmp_path / 'long.md') and \
        osp.isfile(tmp_path / 'long_cpu.png')
    # MultiMix +2 points from 1000 epochs on (seed 0's cached pair: 0)
    assert 'MultiMix overtakes input mixup from 8,000 SGD steps' in md


def test_crossover_and_claims_on_synthetic_cells():
    seeds = [0, 1, 2, 3, 4]
    results = {}
    for e, gap in ((100, -3.0), (250, -0.5), (1000, 1.5)):
        for s in seeds:
            for r, acc in (('input_mixup', 80 + s),
                           ('multimix', 80 + s + gap + s / 50)):
                results[job_key(L.job(r, s, e))] = _record(r, s, e, acc)
    for s in seeds[:3]:
        results[job_key(L.job('dense_distil', s, 1000))] = _record(
            'dense_distil', s, 1000, 83 + s)
    cells = REC.cells(results, 100)['cpu']
    rows = SW.sweep_rows(cells, (100, 250, 1000, 2000), seeds)
    assert SW.crossover(rows) == (1000, 8000)
    assert rows[-1][4] is None  # 2000 epochs: missing
    cl = {c[0]: c for c in SW.claims(cells, 1000, seeds)}
    assert cl['MultiMix > input mixup'][5] == 'holds'
    assert cl['+ dense + distil > MultiMix'][1] == 3  # paired seeds only
    assert 'input mixup + distil > input mixup (Table 9)' not in cl
    assert 'MultiMix > AlignMixup' not in cl  # no AlignMixup run yet
    results[job_key(L.job('alignmixup', 0, 1000))] = _record(
        'alignmixup', 0, 1000, 79.0)
    cl = {c[0]: c for c in SW.claims(REC.cells(results, 100)['cpu'], 1000,
                                     seeds)}
    assert cl['MultiMix > AlignMixup'][1:3] == (1, 2.5)
    assert cl['MultiMix > AlignMixup'][5] == 'one seed: no interval'
    # the figure's third row: the best with 2 seeds or more
    results[job_key(L.job('saliencymix', 0, 1000))] = _record(
        'saliencymix', 0, 1000, 99.0)
    assert SW.best_other_row(REC.cells(results, 100)['cpu'], 1000,
                             seeds) == 'dense_distil'
    assert '| MultiMix > AlignMixup | 1 | +2.50 | — | one seed: no ' \
        'interval |' in MD.claims_table(cl.values())
    from mmmultimix.studies.stats import fmt
    assert fmt([79.0]) == '79.00' and fmt([1.0, 3.0]) == '2.00 ± 1.41'
    # a GPU record never joins a CPU cell
    results['gpu'] = _record('multimix', 9, 1000, 99.0, device='H200')
    by_dev = REC.cells(results, 100)
    assert set(by_dev) == {'cpu', 'H200'}
    assert 9 not in by_dev['cpu'][('multimix', 1000)]
    text = SW.answer(rows, cells, dict(SET.SETTINGS))
    assert text.startswith('MultiMix overtakes input mixup from 8,000')
    rows_never = SW.sweep_rows(cells, (100, 250), seeds)
    assert SW.crossover(rows_never) is None
    assert 'not overtaken' in SW.answer(rows_never, cells, dict(SET.SETTINGS))


def test_device_runs_are_keyed_apart_and_merge(tmp_path):
    import json
    j = L.job('multimix', 0, 1000)
    assert L.key_of(j, '@cuda') != L.key_of(j) == job_key(j)
    cpu = {L.key_of(j): _record('multimix', 0, 1000, 80.0)}
    gpu = {L.key_of(j, '@cuda'): _record('multimix', 0, 1000, 81.0,
                                         device='NVIDIA H200')}
    path = tmp_path / 'gpu_runs.json'
    path.write_text(json.dumps(gpu))
    assert LS.merge(cpu, str(path)) == 1 and len(cpu) == 2
    assert LS.merge(cpu, str(path)) == 0  # already there
    by_dev = REC.cells(cpu, 100)
    assert by_dev['cpu'][('multimix', 1000)][0]['acc'] == 80.0
    assert by_dev['NVIDIA H200'][('multimix', 1000)][0]['acc'] == 81.0
    md = RP.write_report(cpu, dict(SET.SETTINGS), str(tmp_path))
    assert '## Runs on cpu' in md and '## Runs on NVIDIA H200' in md


def test_write_cache_keeps_records_merged_in_by_hand(tmp_path):
    out = str(tmp_path)
    write_cache(out, {'a': {'acc': 1.0}})  # e.g. a device's, merged
    mine = {'b': {'acc': 2.0}}
    write_cache(out, mine)  # the driver never saw 'a'
    assert load_cache(out) == {'a': {'acc': 1.0}, 'b': {'acc': 2.0}}
    assert mine == load_cache(out)  # and it now knows 'a'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['runs.json']


def test_axes_and_precision_parts_are_keyed_apart():
    """Issue 33's cells and issue 32's precision part: the reference cell
    keeps the keys of the runs cached before them; a wider, larger or bf16
    run has options (so keys) of its own; the report never pools them."""
    axes = L.plan(part='axes')
    groups = {g for g, *_ in axes}
    assert groups == {'ref', 'width', 'data', 'width_data'}
    assert {s for g, _, s, _ in axes if g == 'width_data'} == {0, 1, 2}
    epochs = {g: e for g, _, _, e in axes}
    assert SET.steps(epochs['ref']) == 8000 == SET.steps(epochs['data'],
                                                         npc=500)
    st32 = dict(SET.SETTINGS, axes_precision='fp32')  # an AVX2 machine's auto
    ref = L.job('multimix', 0, 1000, st32, group='ref')
    assert ref == L.job('multimix', 0, 1000)  # the sweep's own run
    st16 = dict(SET.SETTINGS, axes_precision='bf16')  # a bf16-native one's
    for cell in ('ref', 'width'):  # its reference is rerun in bf16 too
        assert L.job('multimix', 0, 1000, st16, cell)[1][
            'model.precision'] == 'bf16'
    assert 'model.precision' not in L.job('multimix', 0, 1000, st16)[1]
    wide = L.job('multimix', 0, 1000, st32, group='width')[1]
    assert wide['model.backbone.base_channels'] == 16
    assert wide['model.head.in_channels'] == 128
    assert L.job('multimix', 0, 200, st32, group='data')[1][
        'train_dataloader.dataset.num_per_class'] == 500
    prec = L.plan(part='precision')
    assert len(prec) == 5 * 3 * 2 and {e for *_, e in prec} == {250}
    bf16 = L.job('multimix', 0, 250, group='bf16')
    assert bf16[1]['model.precision'] == 'bf16'
    assert L.job('multimix', 0, 250, group='fp32') == L.job('multimix', 0,
                                                            250)
    all_groups = {g for g, *_ in L.plan(part='all')}
    assert {'width', 'bf16'} <= all_groups
    # the report: a bf16 record is a cell of its own, paired with fp32
    results = {}
    for seed, (a, b) in enumerate([(85.0, 85.5), (84.0, 84.3),
                                   (86.0, 86.1)]):
        r32 = _record('multimix', seed, 250, a, train_s=200.0)
        r16 = _record('multimix', seed, 250, b, train_s=100.0)
        r32['meta']['cpu'] = r16['meta']['cpu'] = 'same CPU'
        r16['meta']['precision'] = 'bf16'
        r16['meta']['cfg_options'] = dict(r16['meta']['cfg_options'],
                                          **{'model.precision': 'bf16'})
        results[f'a{seed}'], results[f'b{seed}'] = r32, r16
    fp32 = REC.cells(results, 100)['cpu'][('multimix', 250)]
    assert [fp32[s]['acc'] for s in range(3)] == [85.0, 84.0, 86.0]
    rows = {r[1]: r for r in PR.precision_rows(results, SET.SETTINGS)}
    _, _, n, a, b, diff, ms_a, ms_b = rows['multimix']
    assert n == 3 and diff == paired([85.5, 84.3, 86.1], [85.0, 84.0, 86.0])
    assert ms_a == 2 * ms_b
    md = PR.precision_table(PR.precision_rows(results, SET.SETTINGS))
    assert '| cpu | MultiMix | 3 |' in md and '(2.00×)' in md
    assert 'no difference detected' in md or 'bf16 higher' in md
    results['a0']['meta']['cpu'] = 'another CPU'  # not timed against it
    assert PR.precision_rows(results, SET.SETTINGS)[1][6] == \
        1000 * 200.0 / SET.steps(250)


def test_axes_report_pairs_cells_by_seed():
    st = SET.SETTINGS
    results = {}
    gaps = dict(ref=(-0.2, 0.1, -0.1), width=(0.8, 1.1, 0.9))
    for cell, gs in gaps.items():
        for seed, g in enumerate(gs):
            ep = SET.axes_epochs(cell)
            for row, acc in (('input_mixup', 85.0), ('multimix', 85.0 + g)):
                rec = _record(row, seed, ep, acc)
                rec['meta']['cfg_options'] = L.job(
                    row, seed, ep, dict(st, axes_precision='fp32'),
                    group=cell)[1]
                results[f'{cell}{row}{seed}'] = rec
    dev = AX.axes_cells(results, st, 'fp32')['cpu']
    assert set(dev) == {'ref', 'width'}
    verdicts = {a: (n, d, v) for a, n, d, v in AX.axes_verdicts(dev, st)}
    n, d, v = verdicts['width']
    assert n == 3 and d == paired([0.8, 1.1, 0.9], [-0.2, 0.1, -0.1])
    assert v.startswith('MultiMix gains on input mixup (same SGD steps')
    assert verdicts['data'][2] == 'not measured yet'
    md = '\n'.join(AX.axes_section(results, st))
    assert '| width | 128 | 1,000 | 3 |' in md and '+2.43' in md
    # the width records are not the reference cell's
    assert [c for c in REC.cells(results, 100)['cpu']] == [
        ('input_mixup', 1000), ('multimix', 1000)]


def test_axes_figure_is_drawn(tmp_path):
    results = {}
    for cell in ('ref', 'data'):
        for seed in range(2):
            ep = SET.axes_epochs(cell)
            for row, acc in (('input_mixup', 85.0), ('multimix', 84.0)):
                rec = _record(row, seed, ep, acc + seed)
                rec['meta']['cfg_options'] = L.job(
                    row, seed, ep, dict(SET.SETTINGS, axes_precision='fp32'),
                    group=cell)[1]
                results[f'{cell}{row}{seed}'] = rec
    md = '\n'.join(AX.axes_section(results, SET.SETTINGS, str(tmp_path)))
    assert '](axes_cpu_fp32.png)' in md
    assert (tmp_path / 'axes_cpu_fp32.png').is_file()


def test_select_by_group():
    axes = L.plan(part='axes')
    sub = L.select(axes, groups=['ref', 'data'], seeds=[0])
    assert [(g, r) for g, r, _, _ in sub] == [
        ('data', 'input_mixup'), ('data', 'multimix'),
        ('ref', 'input_mixup'), ('ref', 'multimix')]
    with pytest.raises(ValueError, match=r"--groups \['wide'\].*width"):
        L.select(axes, groups=['wide'])


def test_data_axis_by_epochs_and_by_steps(tmp_path):
    """Issue 43: the data cell at more epochs, read at the same SGD steps
    and at the same epochs, each verdict naming its comparison and the way
    the difference moves; no section without such a run."""
    from mmmultimix.studies.long.data_epochs import data_epochs_section
    st16 = dict(SET.SETTINGS, axes_precision='bf16')
    plan = L.plan(st16, 'data_epochs')
    assert {e for *_, e in plan} == {400, 1000}
    assert [g for g, *_ in plan] == ['data_epochs'] * 20
    assert [e for *_, e in plan] == [400] * 10 + [1000] * 10  # short first
    opts = L.job('multimix', 0, 400, st16, 'data_epochs')[1]
    assert opts['train_dataloader.dataset.num_per_class'] == 500
    assert opts['model.precision'] == 'bf16'
    assert SET.steps(400, st16, 500) == 16000
    assert 'data_epochs' in {g for g, *_ in L.plan(st16, 'all')}
    results = {}

    def add(group, row, seed, epochs, acc, prec):
        st = dict(SET.SETTINGS, axes_precision=prec)
        rec = _record(row, seed, epochs, acc)
        rec['meta']['cfg_options'] = L.job(row, seed, epochs, st, group)[1]
        rec['meta']['precision'] = prec
        rec['meta']['steps'] = SET.steps(
            epochs, st, 100 * SET.cell_of(group)['npc_x'])
        results[f'{group}{row}{seed}{epochs}'] = rec

    for s in range(3):
        # 1,000 images: the sweep (fp32) behind at 100 epochs, level at 1000
        add('sweep', 'input_mixup', s, 1000, 86.0 + s, 'fp32')
        add('sweep', 'multimix', s, 1000, 86.0 + s + 0.1 * (s - 1), 'fp32')
        add('ref', 'input_mixup', s, 1000, 86.0 + s, 'bf16')
        add('ref', 'multimix', s, 1000, 86.1 + s, 'bf16')
        # 5,000 images: behind at 200 epochs, closer at 1000
        add('data', 'input_mixup', s, 200, 89.0 + s, 'bf16')
        add('data', 'multimix', s, 200, 87.5 + s + 0.1 * s, 'bf16')
    assert data_epochs_section(results, SET.SETTINGS) == []
    for s in range(3):
        add('data_epochs', 'input_mixup', s, 1000, 90.0 + s, 'bf16')
        add('data_epochs', 'multimix', s, 1000, 90.5 + s + 0.1 * s, 'bf16')
    md = '\n'.join(data_epochs_section(results, SET.SETTINGS, str(tmp_path)))
    assert (tmp_path / 'data_epochs_cpu.png').is_file()
    assert '| 5,000 | bf16 | 1,000 | 40,000 | 3 |' in md
    assert '| 1,000 | fp32 | 1,000 | 8,000 | 3 |' in md
    rows = [r for r in md.splitlines() if r.startswith('| same')]
    steps = [r for r in rows if 'same SGD steps' in r]
    epochs = [r for r in rows if 'same epochs' in r]
    assert len(steps) == 1 and 'falls further behind' in steps[0]
    assert '5,000 images at 200 epochs against 1,000 at 1,000' in steps[0]
    assert any('both at 1,000 epochs (bf16)' in r and 'draws closer' in r
               for r in epochs)
