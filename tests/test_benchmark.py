"""The speed benchmark produces a well-formed table (no timing asserts)."""
import os
import os.path as osp
import re
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_benchmark_table_is_well_formed(tmp_path):
    out, png = tmp_path / 'bench.md', tmp_path / 'sweep.png'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/benchmark_speed.py',
         osp.join(ROOT, 'configs', 'demo', 'digits_baseline.py'),
         '--img-size', '16', '--batch-size', '16', '--dense-size', '2',
         '--reps', '2', '--warmup', '1', '--n', '50', '--device', 'cpu',
         '--n-sweep', '10', '100', '--out', str(out),
         '--plot', str(png)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    rows = re.findall(r'^\| (\S+) \| ([0-9.]+) \| ([0-9.]+) \| (—|≥ [0-9.]+) '
                      r'\| ±([0-9.]+) % \| (—|[0-9.]+) \|$', text, flags=re.M)
    names = [r[0] for r in rows]
    for v in ('baseline', 'input_mixup', 'manifold_mixup', 'multimix',
              'dense', 'distil', 'dense_distil', 'alignmixup', 'zeta_mixup',
              'puzzlemix', 'saliencymix'):
        assert v in names
    bounds = dict((r[0], r[3]) for r in rows)
    assert bounds['puzzlemix'] == '≥ 0.50' and bounds['multimix'] == '—'
    base = dict((r[0], r) for r in rows)['baseline']
    assert float(base[2]) == 1.0  # ratios are relative to the baseline
    assert all(float(r[1]) > 0 for r in rows)
    assert 'multimix n=100' in text and 'dense n=10' in text
    assert png.read_bytes()[:4] == b'\x89PNG'
    if sys.platform.startswith('linux'):  # timed with freed memory kept
        assert 'GLIBC_TUNABLES=glibc.malloc' in text


def test_step_memory_on_cpu():
    # measured as the tool measures it: in a fresh process whose allocator
    # unmaps freed buffers (the pytest worker's heap keeps what earlier tests
    # freed, and a step that reuses resident pages raises no peak RSS)
    from mmmultimix.benchmark.memory import MEMORY_TUNING
    code = (
        'import sys, torch\n'
        'from mmmultimix.benchmark.memory import step_memory\n'
        'def step():\n'
        '    x = torch.ones(16_000_000)  # 64 MB of new pages\n'
        '    return float(x.sum())\n'
        'print(step_memory(step, torch.device("cpu")))\n')
    env = dict(os.environ, GLIBC_TUNABLES=MEMORY_TUNING, OMP_NUM_THREADS='1')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    mb = float(out.stdout.strip().splitlines()[-1])
    assert 32.0 < mb < 400.0


def test_step_memory_refuses_a_step_it_cannot_see(monkeypatch):
    # a step that reuses resident pages leaves VmHWM at the RSS before it
    import pytest
    import torch
    from mmmultimix.benchmark import memory
    monkeypatch.setattr(memory, '_rss_mb', lambda field: 512.0)
    with pytest.raises(RuntimeError, match='GLIBC_TUNABLES'):
        memory.step_memory(lambda: None, torch.device('cpu'))


def test_cost_estimate_rests_on_costs_linear_in_the_batch():
    """The GPU runbook's estimates extrapolate one training step's FLOPs
    and saved activations from two small batches to the config's batch:
    exact only if both are affine in the batch, which a third size checks
    (MultiMix + dense + distil: mixing, dense head and teacher included);
    the FLOPs of the no-mixup step match the model's convolutions and
    linear layers counted by hand."""
    import copy

    import torch
    from mmengine.config import Config
    from mmpretrain.registry import MODELS

    import mmmultimix  # noqa: F401
    from mmmultimix.benchmark.cost import step_cost
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo',
                                   'digits_dense_distil.py'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['mixer']['prob'] = 1.0
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    costs = [step_cost(model, b, 8, 1) for b in (2, 4, 6)]
    (f2, s2), (f4, s4), (f6, s6) = costs
    assert f6 - f4 == f4 - f2 > 0
    assert s6 - s4 == s4 - s2 > 0

    base = MODELS.build(Config.fromfile(osp.join(
        ROOT, 'configs', 'demo', 'digits_baseline.py')).model)
    flops, _ = step_cost(base, 4, 8, 1)
    counted, hooks = [0], []

    def conv(m, inp, out):  # 2·MACs; backward: input and weight grads
        k = m.weight[0].numel()
        counted[0] += 2 * out.numel() * k * 3
        if m is first:  # no input gradient for the first layer's input
            counted[0] -= 2 * out.numel() * k

    def linear(m, inp, out):
        counted[0] += 2 * out.numel() * m.in_features * 3

    convs = [m for m in base.modules() if isinstance(m, torch.nn.Conv2d)]
    first = convs[0]
    for m in base.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(linear))
    from mmpretrain.structures import DataSample
    with torch.no_grad():
        base.loss(torch.randn(4, 1, 8, 8),
                  [DataSample().set_gt_label(0) for _ in range(4)])
    assert flops == counted[0]


def test_runbook_rows_are_what_the_estimator_prints():
    """docs/gpu_runbook.md's cost table is the estimator's output: two of
    its rows (a plain and a dense + distil config) regenerate verbatim."""
    configs = ['r18_cifar100_multimix', 'r18_cifar100_dense_distil']
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/estimate_cost.py'] +
        [osp.join('configs', 'multimix', c + '.py') for c in configs],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines()
            if line.startswith('| `')]
    assert len(rows) == 2
    page = open(osp.join(ROOT, 'docs', 'gpu_runbook.md')).read()
    for row in rows:
        assert row in page, row


def test_device_check_runs_on_the_cpu_at_tiny_sizes():
    """The device check's steps (the GPU call's first part) run here at the
    dry run's sizes: the paper's baselines in both layouts, bf16 with Λ
    and the loss in fp32; fp16's loss scaling is CUDA's, said so."""
    import torch
    from mmengine.config import Config

    import mmmultimix  # noqa: F401
    from mmmultimix.benchmark.device_check import (format_rows, mixer_steps,
                                                   precision_steps)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'multimix',
                                   'r18_cifar100_baseline.py'))
    rows = mixer_steps(cfg, 'cpu', 'tiny', steps=1,
                       names=['zeta_mixup', 'puzzlemix'])
    rows += precision_steps(cfg, 'cpu', 'tiny', steps=1)
    assert [(r['variant'], r['layout'], r['precision']) for r in rows] == [
        ('zeta_mixup', 'standard', 'fp32'),
        ('zeta_mixup', 'channels_last', 'fp32'),
        ('puzzlemix', 'standard', 'fp32'),
        ('puzzlemix', 'channels_last', 'fp32'),
        ('dense_distil', 'standard', 'bf16'),
        ('dense_distil', 'standard', 'fp16')]
    assert all(torch.isfinite(torch.tensor(r['loss'])) for r in rows[:5])
    assert rows[5]['s_per_step'] is None and 'needs CUDA' in rows[5]['note']
    assert 'graph cuts on the CPU' in format_rows(rows, 'cpu')
