"""Ray runs a study's trainings: each run is a Ray task with its resources
declared, on this machine by default or on a Ray cluster when given one.

* **Where.** :func:`.cluster.connect` starts a private local Ray instance (no
  dashboard, quiet) with this machine's cores, unless ``address`` (or
  ``RAY_ADDRESS``) names a running cluster: the same command then spreads
  the study over every node. An address where nothing listens fails at once
  with a message that names it (Ray itself would retry for minutes).
* **Resources.** A run takes ``threads`` CPUs (``cores // jobs`` locally;
  Ray sets a worker's ``OMP_NUM_THREADS`` to them, the task sets torch's
  thread count and the variable again), and on a GPU
  machine ``gpus`` of a device (a fraction: several runs share a GPU).
  At most as many runs are in flight as the cluster's CPUs (or GPU
  fractions) hold, so ``STOP`` leaves nothing queued.
* **One writer.** The driver (this process) is the only one that writes
  ``<out>/runs.json``: each record is written atomically as its run
  finishes, so a study resumes at run granularity after Ctrl-C, a crash of
  the driver or a lost node. A run whose worker process dies (killed, out
  of memory, a lost node) is retried by Ray up to ``retries`` times; a run
  that raises is reported with its config and seed and the others go on;
  a key is recorded once, whatever happened on the way.
* **STOP.** A file ``<out>/STOP`` lets the runs in flight finish and starts
  no other (e.g. before a session ends).
* **Without Ray.** Where Ray is not installed (and no ``address`` is given)
  the runs run in this process, one after another, with the same threads,
  records, cache and report: Ray stays the engine wherever it is installed
  (the extra ``studies``).

:func:`run_tasks` is the loop itself (any function over any items, results
as they finish: the demo uses it); :func:`execute` adds the cache, the
progress line and the study's report of failures.
"""
import os
import os.path as osp
import sys
import time
import warnings

from .cluster import default_threads
from .cluster import slots as cluster_slots
from .progress import Progress
from .records import Job, check_seeding, write_cache

__all__ = ['run_tasks', 'execute', 'Failure']

DEFAULT_RETRIES = 2


class Failure:
    """A run that raised (or whose worker died more than ``retries``
    times): its key, the arguments of its call and the error, as one
    line."""

    def __init__(self, key, args: tuple, error: BaseException):
        self.key, self.args = key, tuple(args)
        cause = getattr(error, 'cause', None) or error
        self.error = f'{type(cause).__name__}: {cause}'.strip().splitlines()
        self.error = self.error[-1] if self.error else type(cause).__name__

    def __repr__(self):
        return f'Failure({self.key!r}, {self.error!r})'


def _task(fn, args, threads, cwd, ignore):
    """What runs in a Ray worker (or, without Ray, in this process):
    ``fn(*args)`` with ``threads`` torch threads, in the driver's working
    directory where it exists (relative data paths), the warnings matching
    ``ignore`` silenced."""
    import torch
    os.environ['OMP_NUM_THREADS'] = str(threads)
    torch.set_num_threads(threads)
    if cwd and osp.isdir(cwd):
        os.chdir(cwd)
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message=ignore)
        return fn(*args)


def _in_process(fn, tasks: dict, threads: int, stop_file: str, ignore: str):
    """:func:`run_tasks` without Ray: the calls one after another in this
    process (torch's thread count restored after each)."""
    import torch
    before = torch.get_num_threads(), os.environ.get('OMP_NUM_THREADS')
    cwd = os.getcwd()
    for key, args in tasks.items():
        if stop_file and osp.exists(stop_file):
            return
        try:
            result, failure = _task(fn, tuple(args), threads, cwd, ignore), \
                None
        except Exception as e:  # noqa: BLE001 (reported, others go on)
            result, failure = None, Failure(key, args, e)
        finally:
            os.chdir(cwd)
            torch.set_num_threads(before[0])
            if before[1] is None:
                os.environ.pop('OMP_NUM_THREADS', None)
            else:
                os.environ['OMP_NUM_THREADS'] = before[1]
        yield key, result, failure


def run_tasks(fn, tasks: dict, n_jobs: int = 1, address: str = None,
              threads: int = None, gpus: float = None,
              retries: int = DEFAULT_RETRIES, stop_file: str = None,
              ignore: str = ''):
    """Yields ``(key, result, failure)`` as the calls ``fn(*tasks[key])``
    finish (in Ray tasks; ``failure`` a :class:`Failure` or None), in the
    given order, as many at a time as the instance holds (``n_jobs`` here:
    the local instance gets ``n_jobs * threads`` CPUs). ``fn`` must be
    importable by the workers (a module's function) or picklable by value.
    With ``stop_file`` existing, no new call starts. Without Ray the calls
    run in this process, one after another (``retries`` does not apply:
    a killed process is the driver itself)."""
    if not tasks:
        return
    threads = threads or default_threads(n_jobs)
    ray, slots = cluster_slots(n_jobs, threads, gpus, address)
    if ray is None:
        yield from _in_process(fn, tasks, threads, stop_file, ignore)
        return
    remote = ray.remote(_task).options(
        num_cpus=threads, num_gpus=gpus or 0, max_retries=retries,
        retry_exceptions=False)
    queue, pending = list(tasks), {}
    cwd = os.getcwd()
    while queue or pending:
        while queue and len(pending) < slots and not (
                stop_file and osp.exists(stop_file)):
            key = queue.pop(0)
            ref = remote.remote(fn, tuple(tasks[key]), threads, cwd, ignore)
            pending[ref] = key
        if not pending:
            return
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            key = pending.pop(ref)
            try:
                yield key, ray.get(ref), None
            except Exception as e:  # noqa: BLE001 (reported, others go on)
                yield key, None, Failure(key, tasks[key], e)


def _describe(job) -> str:
    return Job(*job).describe()


def execute(jobs: dict, results: dict, out: str, n_jobs: int = 1,
            train: bool = True, cost=None, fn=None, address: str = None,
            gpus: float = None, retries: int = DEFAULT_RETRIES,
            failures: list = None) -> dict:
    """Runs the jobs (``{key: job}``) missing from ``results``, in the given
    order (put the long ones first), as Ray tasks (:func:`run_tasks`),
    writing every finished record to ``<out>/runs.json`` at once; returns
    ``results``. ``fn(job, work_dir)`` trains one job (default
    :func:`.training.run_job`; its work dir is
    ``<out>/trainings/<key>``). ``train=False`` only says how many are
    cached. ``cost(job)`` weighs the jobs for the ETA (e.g. estimated
    minutes from measured step times); otherwise they count the same.
    A run that fails is reported at once and again at the end (config,
    seed, error) and appended to ``failures`` (a list, when given); it is
    not cached, so the next invocation tries it again."""
    from .training import run_job
    todo = {k: j for k, j in jobs.items() if k not in results}
    print(f'{len(jobs)} runs, {len(jobs) - len(todo)} cached, '
          f'{len(todo)} to do', flush=True)
    if not todo or not train:
        return results
    check_seeding(results, out)
    out = osp.abspath(out)
    os.makedirs(out, exist_ok=True)
    stop = osp.join(out, 'STOP')
    threads = default_threads(n_jobs)
    cost = cost or (lambda job: 1.0)
    slots = cluster_slots(n_jobs, threads, gpus, address)[1]
    progress = Progress({k: float(cost(j)) for k, j in todo.items()},
                        slots)
    tasks = {k: (j, osp.join(out, 'trainings', k)) for k, j in todo.items()}
    left = set(todo)
    failures = [] if failures is None else failures
    n_failed = len(failures)
    started = time.time()
    for key, rec, failure in run_tasks(
            fn or run_job, tasks, n_jobs, address, threads, gpus, retries,
            stop, ignore='Multi-processing start method'):
        left.discard(key)
        if failure is not None:
            failures.append(failure)
            progress.failed += 1
            print(f'\nFAILED {_describe(todo[key])} [{key}]: '
                  f'{failure.error}', file=sys.stderr, flush=True)
            continue
        if key in results:  # recorded once, whatever happened on the way
            continue
        results[key] = rec
        write_cache(out, results)
        meta = rec.get('meta', {}) if isinstance(rec, dict) else {}
        seconds = meta.get('wall_s', time.time() - started)
        what = _describe(todo[key]) + (
            f': acc {rec["acc"]:.2f}' if 'acc' in rec else '')
        progress.update(key, seconds, left, what)
    if osp.exists(stop):
        print(f'{stop} exists: no new run started (remove it to go on)',
              flush=True)
    if len(failures) > n_failed:
        print(f'{len(failures) - n_failed} run(s) failed (not cached; the '
              'next invocation retries them):', file=sys.stderr)
        for f in failures[n_failed:]:
            print(f'  {_describe(f.args[0])} [{f.key}]: {f.error}',
                  file=sys.stderr)
    return results
