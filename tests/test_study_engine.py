"""The studies' engine (issue 31): Ray tasks on a local instance with 2
workers; a worker killed mid-run is retried and every run recorded once; a
failing run is reported and the others complete; STOP starts nothing new;
a driver killed and restarted resumes without rerunning finished runs; an
address where nothing listens fails at once, naming it. The trainings here
are stand-ins (a sleep and a record); tests/test_reproduce.py runs a real
smoke study through the same engine."""
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import time

import pytest

from mmmultimix.studies import cluster as C
from mmmultimix.studies import engine as E
from mmmultimix.studies.records import load_cache

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='module')
def local_ray():
    import ray
    from ray import cloudpickle
    # the stand-in trainings below travel by value (tests/ is not a package
    # the workers could import)
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    C.connect(cpus=2)
    yield ray
    ray.shutdown()


def _jobs(n):
    return {f'k{i}': ('cfg', {}, i, 1, 0, False) for i in range(n)}


def _log(work_dir, what):
    """Appends to ``<out>/calls.log`` (one line per call of a run)."""
    out = osp.dirname(osp.dirname(work_dir))
    with open(osp.join(out, 'calls.log'), 'a') as f:
        f.write(f'{osp.basename(work_dir)} {what} {os.getpid()}\n')


def killed_once(job, work_dir):
    """Run k1's first attempt kills its own worker process (SIGKILL): what
    an out-of-memory kill or a lost node looks like to Ray."""
    _log(work_dir, 'start')
    marker = work_dir + '.tried'  # under <out>/trainings
    first = not osp.exists(marker)
    open(marker, 'a').close()
    if job[2] == 1 and first:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.2)
    return dict(acc=float(job[2]), meta=dict(pid=os.getpid()))


def fails_on_seed_2(job, work_dir):
    _log(work_dir, 'start')
    if job[2] == 2:
        raise ValueError('boom: a bad config value')
    return dict(acc=float(job[2]), meta={})


def asks_to_stop(job, work_dir):
    _log(work_dir, 'start')
    out = osp.dirname(osp.dirname(work_dir))
    open(osp.join(out, 'STOP'), 'w').close()  # asked during the first run
    return dict(acc=float(job[2]), meta={})


def _calls(out):
    with open(osp.join(out, 'calls.log')) as f:
        return [line.split()[0] for line in f]


def test_killed_worker_is_retried_and_every_run_recorded_once(
        local_ray, tmp_path):
    out = str(tmp_path)
    os.makedirs(osp.join(out, 'trainings'))
    results = E.execute(_jobs(4), {}, out, n_jobs=2, fn=killed_once)
    assert sorted(results) == ['k0', 'k1', 'k2', 'k3']
    assert load_cache(out) == results  # written by the driver, once each
    calls = _calls(out)
    assert calls.count('k1') == 2  # killed, then retried by Ray
    assert all(calls.count(k) == 1 for k in ('k0', 'k2', 'k3'))
    assert sorted(os.listdir(out)) == ['calls.log', 'runs.json',
                                       'trainings']  # no claim, no lock


def _one_failure(out):
    """Four jobs, seed 2 raising: the others recorded, that one reported
    and not cached; returns the failures."""
    failures = []
    results = E.execute(_jobs(4), {}, out, n_jobs=2, fn=fails_on_seed_2,
                        failures=failures)
    assert sorted(results) == ['k0', 'k1', 'k3']
    assert [f.key for f in failures] == ['k2']
    assert load_cache(out) == results
    return failures


def test_failing_run_is_reported_and_the_others_complete(
        local_ray, tmp_path, capsys):
    out = str(tmp_path)
    failures = _one_failure(out)
    assert failures[0].error == 'ValueError: boom: a bad config value'
    err = capsys.readouterr().err
    assert 'FAILED cfg seed 2 epochs 1 [k2]: ValueError: boom' in err
    assert '1 run(s) failed' in err
    # not cached: the next invocation tries that run, and only that one
    again = []
    E.execute(_jobs(4), load_cache(out), out, n_jobs=2,
              fn=fails_on_seed_2, failures=again)
    assert [f.key for f in again] == ['k2']
    assert _calls(out).count('k2') == 2 and _calls(out).count('k0') == 1


def test_stop_file_lets_the_running_run_finish_and_starts_no_other(
        local_ray, tmp_path, capsys):
    out = str(tmp_path)
    results = E.execute(_jobs(3), {}, out, n_jobs=1, fn=asks_to_stop)
    assert list(results) == ['k0'] and _calls(out) == ['k0']
    assert 'no new run started' in capsys.readouterr().out


def test_progress_line_counts_and_estimates(local_ray, tmp_path, capsys):
    out = str(tmp_path)
    E.execute(_jobs(2), {}, out, n_jobs=1, fn=fails_on_seed_2)
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith('[')]
    assert lines[0].startswith('[1/2] cfg seed 0 epochs 1: acc 0.00 |')
    assert 'ETA' in lines[0] and lines[1].endswith('ETA 0m00s')


_DRIVER = '''
import os, sys, time
from mmmultimix.studies import engine as E
from mmmultimix.studies.records import load_cache
out = sys.argv[1]
def fn(job, work_dir):
    with open(os.path.join(out, 'calls.log'), 'a') as f:
        f.write(os.path.basename(work_dir) + '\\n')
    time.sleep(1.0)
    return dict(acc=float(job[2]), meta={})
jobs = {f'k{i}': ('cfg', {}, i, 1, 0, False) for i in range(5)}
E.execute(jobs, load_cache(out), out, 1, fn=fn)
'''


def test_driver_killed_and_restarted_resumes_without_rerunning(tmp_path):
    out = str(tmp_path)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    cmd = [sys.executable, '-c', _DRIVER, out]
    first = subprocess.Popen(cmd, env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    try:
        while time.time() < deadline and len(load_cache(out)) < 2:
            time.sleep(0.2)
    finally:  # the driver and its local Ray instance, killed
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    done_before = set(load_cache(out))
    assert 2 <= len(done_before) < 5
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f'5 runs, {len(done_before)} cached' in proc.stdout
    assert sorted(load_cache(out)) == [f'k{i}' for i in range(5)]
    with open(osp.join(out, 'calls.log')) as f:
        calls = f.read().split()
    assert all(calls.count(k) == 1 for k in done_before)  # not rerun
    assert all(calls.count(f'k{i}') in (1, 2) for i in range(5))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_address_with_nothing_listening_fails_at_once(tmp_path):
    address = f'127.0.0.1:{_free_port()}'
    t0 = time.time()
    with pytest.raises(ConnectionError, match=address):
        C.check_address(address)
    with pytest.raises(ValueError, match='host:port'):
        C.check_address('no-port-here')
    # the command: a clear error before any Ray start, in seconds
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/reproduce.py', '--tables',
         'table1', '--rows', 'baseline', '--seeds', '0', '--epochs', '1',
         '--address', address, '--out', str(tmp_path)], cwd=ROOT,
        capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert f'--address {address}: no Ray cluster answers there' in \
        proc.stderr
    assert time.time() - t0 < 60
    assert not (tmp_path / 'runs.json').exists()


def test_without_ray_the_runs_go_in_this_process(monkeypatch, tmp_path,
                                                 capsys):
    """Ray not installed: the same execute() runs every job in the driver,
    one after another, reports a failing one and goes on, honours STOP;
    a cluster address without Ray is an error naming the install."""
    monkeypatch.setattr(C, 'ray_installed', lambda address=None: False)
    out = str(tmp_path)
    _one_failure(out)
    calls = open(osp.join(out, 'calls.log')).read().split('\n')
    assert {line.split()[-1] for line in calls if line} == {str(os.getpid())}
    assert 'FAILED cfg seed 2 epochs 1 [k2]' in capsys.readouterr().err
    stop = tmp_path / 'stop'
    stop.mkdir()
    assert list(E.execute(_jobs(3), {}, str(stop), fn=asks_to_stop)) == [
        'k0']
    monkeypatch.undo()
    import builtins
    real = builtins.__import__

    def no_ray(name, *a, **k):
        if name == 'ray':
            raise ImportError('no ray here')
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, '__import__', no_ray)
    assert C.ray_installed() is False
    with pytest.raises(ImportError, match=r'needs Ray \(pip install'):
        C.ray_installed('10.0.0.1:6379')


_NO_RAY = ("import runpy, sys; sys.modules['ray'] = None; "
           "sys.argv = ['reproduce.py'] + sys.argv[1:]; "
           "runpy.run_path('tools/analysis/reproduce.py', "
           "run_name='__main__')")


def test_long_smoke_without_ray_records_what_ray_records(tmp_path):
    """reproduce.py's long study (its smoke plan, the data_epochs part)
    in-process without Ray writes the records and report that the Ray
    engine writes (all but the wall-clock times)."""
    import json
    args = ['--study', 'long', '--smoke', '--part', 'data_epochs',
            '--jobs', '1']
    env = dict(os.environ, OMP_NUM_THREADS='1')
    outs = {}
    for how, cmd in (('ray', [sys.executable, 'tools/analysis/reproduce.py']),
                     ('none', [sys.executable, '-c', _NO_RAY])):
        out = tmp_path / how
        proc = subprocess.run(cmd + args + ['--out', str(out)], cwd=ROOT,
                              env=env, capture_output=True, text=True,
                              timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        outs[how] = out
    ray, none = (json.loads((outs[h] / 'runs.json').read_text())
                 for h in ('ray', 'none'))
    assert len(ray) == 4 and ray.keys() == none.keys()
    timing = ('wall_s', 'train_s')
    for key in ray:
        a, b = ray[key], none[key]
        assert {k: v for k, v in a.items() if k != 'meta'} == \
            {k: v for k, v in b.items() if k != 'meta'}
        assert {k: v for k, v in a['meta'].items() if k not in timing} == \
            {k: v for k, v in b['meta'].items() if k not in timing}
    reports = [sorted(p.name for p in outs[h].glob('*.md')) for h in outs]
    assert reports[0] == reports[1] and reports[0]
    for name in reports[0]:
        assert (outs['ray'] / name).read_text() == \
            (outs['none'] / name).read_text()
