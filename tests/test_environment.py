"""The environment flavours (issue 25): what the light environment
(mmcv-lite, no compiled ops) refuses and why."""
import pytest


def test_detection_without_compiled_ops_names_the_build_command(monkeypatch):
    """The light environment (mmcv-lite) has no compiled ops: a detection
    config stops before mmdet fails deep inside (issue 25)."""
    import builtins

    from mmengine.config import Config

    from mmmultimix.engine.distributed import require_compiled_ops
    real = builtins.__import__

    def no_ops(name, *a, **k):
        if name == 'mmcv.ops' or (name == 'mmcv' and a and a[2] and
                                  'ops' in a[2]):
            raise ImportError('mmcv-lite has no mmcv.ops')
        return real(name, *a, **k)

    det = Config(dict(default_scope='mmdet'))
    cls = Config(dict(default_scope='mmpretrain'))
    monkeypatch.setattr(builtins, '__import__', no_ops)
    require_compiled_ops(cls)  # classification never needs them
    with pytest.raises(RuntimeError, match='bash tools/setup_env.sh full'):
        require_compiled_ops(det)


def _declared():
    """setup.cfg's install_requires and extras, as packaging Requirements."""
    import configparser
    import os.path as osp

    from packaging.requirements import Requirement
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    cfg = configparser.ConfigParser()
    cfg.read(osp.join(root, 'setup.cfg'))

    def reqs(text):
        return [Requirement(line) for line in text.strip().splitlines()
                if line.strip() and not line.strip().startswith('#')]

    base = reqs(cfg['options']['install_requires'])
    extras = {k: reqs(v) for k, v in cfg['options.extras_require'].items()}
    return root, base, extras


def test_ranges_keep_a_users_torch_and_admit_the_pins():
    """The ranges are declared once (setup.cfg): torch from 2.11 (the GPU
    images' series) with no upper bound, so `pip install -e .` never
    replaces a user's torch; every exact pin the suite runs with
    (tools/constraints.txt) lies inside its range; tools/setup_env.sh
    names no version of its own."""
    import os.path as osp

    from packaging.requirements import Requirement
    root, base, extras = _declared()
    declared = {r.name: r for r in base}
    for reqs in extras.values():
        declared.update({r.name: r for r in reqs})
    torch = declared['torch']
    for version in ('2.11.0', '2.14.1', '2.15.0', '3.0.0'):
        assert torch.specifier.contains(version), version
    assert not torch.specifier.contains('2.10.0')
    assert not any(r.name in ('mmcv', 'mmcv-lite') for r in base), (
        'mmcv has two flavours: an extra, never a plain requirement')
    pins = [Requirement(line.split('#')[0].strip()) for line in open(
        osp.join(root, 'tools', 'constraints.txt'))
        if line.split('#')[0].strip()]
    checked = 0
    for pin in pins:
        if pin.name in declared:
            version = str(next(iter(pin.specifier)).version) \
                if str(pin.specifier).startswith('==') else None
            if version:
                assert declared[pin.name].specifier.contains(version), (
                    pin, declared[pin.name])
                checked += 1
    # torch, torchvision, mmengine, mmcv-lite, mmpretrain, mmdet at least
    assert checked >= 6
    script = open(osp.join(root, 'tools', 'setup_env.sh')).read()
    assert 'torch==' not in script and 'mmpretrain==' not in script


def test_missing_mmcv_says_which_flavour_to_install():
    """Without mmcv, importing mmmultimix names both flavours' commands
    instead of mmpretrain's bare ModuleNotFoundError."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['mmcv'] = None\n"
            "try:\n    import mmmultimix\nexcept ImportError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=300).stdout
    assert 'pip install -e ".[lite]"' in out
    assert 'tools/build_mmcv.sh' in out


def test_install_digest_follows_declarations_only(tmp_path):
    """The environments' stamps (tools/test_env.sh's install_digest) change
    with setup.cfg's install sections and the pins, not with pytest's or the
    linter's options (editing those must not reinstall a venv)."""
    import os.path as osp
    import shutil
    import subprocess
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    (tmp_path / 'tools').mkdir()
    shutil.copy(osp.join(root, 'tools', 'constraints.txt'),
                tmp_path / 'tools')
    cfg = open(osp.join(root, 'setup.cfg')).read()

    def digest(text):
        (tmp_path / 'setup.cfg').write_text(text)
        return subprocess.run(
            ['bash', '-c', f'source {root}/tools/test_env.sh; '
             f'install_digest {tmp_path}'], capture_output=True, text=True,
            check=True).stdout.strip()

    base = digest(cfg)
    assert len(base) == 16
    assert digest(cfg.replace('[tool:pytest]\n',
                              '[tool:pytest]\nxfail_strict = true\n')) == base
    assert digest(cfg.replace('max-line-length = 79',
                              'max-line-length = 99')) == base
    assert digest(cfg.replace('install_requires =',
                              'install_requires =\n    six')) != base


def test_passing_tests_leave_no_tmp_path(request):
    """A passing test's tmp_path is removed when it ends: the config tests
    alone write ~20 GB of checkpoints per suite run, which filled the disk
    of a CI machine once."""
    assert request.config.getini('tmp_path_retention_policy') == 'failed'


def test_light_setup_keeps_compiled_mmcv(tmp_path):
    """`setup_env.sh light` on a full environment whose base is out of date
    (a test and the demo run it) updates the base and keeps mmcv with its
    compiled ops: it used to swap in mmcv-lite, after which the detection
    tests failed on `mmcv._ext` until `setup_env.sh full` rebuilt it."""
    from setup_copy import run_setup
    proc, calls, stamp = run_setup(tmp_path, mmcv_stamp='full')
    assert proc.returncode == 0, proc.stderr
    assert any(' install ' in c and ' -e ' in c for c in calls), calls
    assert not any('mmcv' in c for c in calls), calls
    assert stamp == 'full'


def test_light_setup_installs_mmcv_lite_where_none(tmp_path):
    """Where no mmcv is installed, `setup_env.sh light` installs
    mmcv-lite (no compiled ops) and stamps the environment light."""
    from setup_copy import run_setup
    proc, calls, stamp = run_setup(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert any('install' in c and 'mmcv-lite==2.1.0' in c for c in calls)
    assert stamp == 'lite'
