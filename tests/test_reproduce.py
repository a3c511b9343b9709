"""The reproduction study tool: a 2-seed smoke version on digits, end to
end through the engine: a local Ray instance with 2 workers."""
import json
import math
import os.path as osp
import re
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_smoke_study_tables_complete_and_finite(tmp_path):
    out = str(tmp_path / 'study')
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/reproduce.py', '--smoke', '--jobs',
         '2', '--out', out], cwd=ROOT, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(osp.join(out, 'tables.md')) as f:
        md = f.read()
    for title in ('Table 1', 'Table 9', 'Table 10', 'Fig. 3a', 'Fig. 3b',
                  'Fig. 3c'):
        assert title in md
    rows = [line for line in md.splitlines() if line.startswith('| ')
            and not line.startswith('| row')]
    assert len(rows) == 12  # 6 tables x 2 rows in smoke mode
    for row in rows:
        cells = row.strip('|').split('|')[1:]
        assert len(cells) == 5 and int(cells[4]) == 2  # 2 seeds
        for cell in cells[:4]:
            mean, std = (float(v) for v in re.findall(r'[-0-9.]+', cell))
            assert math.isfinite(mean) and math.isfinite(std) and std >= 0
    with open(osp.join(out, 'runs.json')) as f:
        runs = json.load(f)
    assert all(0 <= r['acc'] <= 100 and 0 <= r['ece'] <= 100
               for r in runs.values())
    # each run with cores // 2 threads (at most OMP_NUM_THREADS), printed
    # and recorded once
    from mmmultimix.studies.cluster import default_threads
    assert {r['meta']['threads'] for r in runs.values()} == {
        default_threads(2)}
    assert len(re.findall(r'^\[\d+/\d+\] ', proc.stdout, re.M)) == len(runs)
    assert osp.isfile(osp.join(out, 'fig3.png'))
    # resumable: a second call trains nothing
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/reproduce.py', '--smoke', '--out',
         out], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0
    assert re.search(r'(\d+) runs, \1 cached, 0 to do', proc.stdout)
