"""The code style the project keeps (setup.cfg's [flake8]): pyflakes'
findings (unused names, redefinitions, f-strings without fields) and
pycodestyle's on the package, the tools, the tests and the configs."""
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_flake8_finds_nothing():
    proc = subprocess.run(
        [sys.executable, '-m', 'flake8', 'mmmultimix', 'tools', 'tests',
         'configs'], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and not proc.stdout, \
        proc.stdout[-4000:] + proc.stderr[-2000:]
