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
