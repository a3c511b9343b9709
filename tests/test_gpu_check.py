"""The device call, checked here before it is made: `tools/gpu_prepare.sh`
writes what the call carries (under 64 MiB with the working tree), and
`tools/gpu_check.sh --dry-run` runs every step end to end on this CPU at
tiny sizes, in a fresh environment that holds only the device's torch 2.11
on Python 3.12 (and the packages of its image the checks use) and the
carried wheels: each step passes and prints its time, and the call's
estimated device time fits its 8 minutes."""
import os
import os.path as osp
import re
import subprocess

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _size(paths):
    total = 0
    for p in paths:
        if osp.isfile(p):
            total += osp.getsize(p)
        for d, _, files in os.walk(p):
            total += sum(osp.getsize(osp.join(d, f)) for f in files)
    return total


def _tree():
    """What a device call sends besides the carried paths: tracked and
    untracked-not-ignored files."""
    out = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'],
                         cwd=ROOT, capture_output=True, text=True).stdout
    return [osp.join(ROOT, f) for f in out.splitlines()
            if osp.isfile(osp.join(ROOT, f))]


def test_prepare_then_dry_run_every_step(tmp_path):
    from mmmultimix.benchmark.device_check import find_device_python
    if find_device_python() is None:
        pytest.skip('no Python 3.12 here (the device\'s)')
    prep = subprocess.run(['bash', 'tools/gpu_prepare.sh'], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert prep.returncode == 0, prep.stderr[-3000:]
    carried = _size([osp.join(ROOT, '.gpu'),
                     osp.join(ROOT, 'data', 'fashion-mnist')])
    assert carried + _size(_tree()) <= 64 * 2**20
    out = tmp_path / 'out'
    proc = subprocess.run(
        ['bash', 'tools/gpu_check.sh', '--dry-run'], cwd=ROOT,
        env=dict(os.environ, OUT=str(out), OMP_NUM_THREADS='1'),
        capture_output=True, text=True, timeout=1800)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    steps = re.findall(r'^\[gpu_check\] (\w+): ok in ([0-9.]+) s', log,
                       flags=re.M)
    assert [s for s, _ in steps] == [
        'env', 'install', 'device_check', 'cuda_tests', 'ddp', 'bench_r50',
        'bench_r18', 'fashion']
    est = re.search(r'estimated device time: (\d+) s for env to bench',
                    log)
    assert est and int(est.group(1)) <= 480
    assert 'python 3.12' in (out / 'gpu.txt').read_text()
    assert 'torch 2.11.0' in (out / 'gpu.txt').read_text()
    table = (out / 'device_check.md').read_text()
    for name in ('alignmixup', 'puzzlemix', 'zeta_mixup', 'dense_distil'):
        assert f'| {name} | channels_last |' in table
    # SaliencyMix's OpenCV contrib build is not carried: said so
    assert re.search(r'\| saliencymix \| standard \| fp32 \| — \| — \| '
                     r'skipped: SaliencyMix needs OpenCV', table)
    assert '| dense_distil | standard | bf16 |' in table
