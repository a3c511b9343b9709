"""tools/setup_env.sh run in a copy of the repository whose .venv's python
only records what it is asked to do: the script's decisions (what it
installs, which stamps it writes, what it tells) without installing
anything, and without touching the repository's own environment."""
import os
import os.path as osp
import shutil
import subprocess

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def run_setup(tmp_path, flavour='light', mmcv_stamp=None, fmnist=True,
              env=None):
    """A copy of setup_env.sh, test_env.sh, the pins and setup.cfg under
    tmp_path with a base stamp that no longer matches (as after an edit of
    setup.cfg's extras) and the given mmcv stamp ('full', 'lite' or None);
    Fashion-MNIST in FASHION_MNIST_DIR when `fmnist`. Returns the finished
    process, the recorded python calls and the mmcv stamp afterwards."""
    (tmp_path / 'tools').mkdir()
    for name in ('setup_env.sh', 'test_env.sh', 'constraints.txt'):
        shutil.copy(osp.join(ROOT, 'tools', name), tmp_path / 'tools')
    shutil.copy(osp.join(ROOT, 'setup.cfg'), tmp_path)
    venv = tmp_path / '.venv'
    (venv / 'bin').mkdir(parents=True)
    calls = tmp_path / 'calls'
    calls.write_text('')
    (venv / 'bin' / 'python').write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\ncat > /dev/null\nexit 0\n')
    (venv / 'bin' / 'python').chmod(0o755)
    (venv / '.mmmultimix-base').write_text('stale\n')
    if mmcv_stamp:
        (venv / '.mmmultimix-mmcv').write_text(mmcv_stamp + '\n')
    full_env = dict(os.environ, MMMULTIMIX_CACHE=str(tmp_path / 'cache'))
    full_env.pop('FASHION_MNIST_DIR', None)
    if fmnist:  # present: nothing asks apt
        folder = tmp_path / 'fmnist'
        folder.mkdir()
        for name in ('train-images-idx3-ubyte.gz',
                     't10k-labels-idx1-ubyte.gz'):
            (folder / name).write_bytes(b'')
        full_env['FASHION_MNIST_DIR'] = str(folder)
    full_env.update(env or {})
    proc = subprocess.run(
        ['bash', str(tmp_path / 'tools' / 'setup_env.sh'), flavour],
        env=full_env, capture_output=True, text=True, timeout=120)
    stamp = venv / '.mmmultimix-mmcv'
    return (proc, calls.read_text().splitlines(),
            stamp.read_text().strip() if stamp.exists() else None)
