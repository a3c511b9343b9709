"""The run loop, cache and evaluation shared by every study under
``tools/analysis/`` (``reproduce.py``'s digits study, ``study_fashion``,
``study_long``, ``teacher_precision``).

A *job* is ``(cfg_name, cfg_options, seed, epochs, robust_n, val)``; its
cache key (:func:`job_key`) hashes exactly these, so a record is found again
whatever produced it. Finished runs are cached in ``<out>/runs.json``,
rewritten atomically after every run, so a study resumes at run
granularity; processes sharing a cache take the next unclaimed run
(``<out>/claims/``) and merge their records under a lock, so two study
commands on one ``--out`` split the work instead of losing it. Every record
is self-describing (:func:`run_one`): the metrics and, under ``meta``, what
produced them (config, overrides, seed, images, epochs, SGD steps, threads,
device, wall seconds, git commit of the code the process imported and of
the tree when the run read its config).
"""
import contextlib
import copy
import hashlib
import json
import math
import os
import os.path as osp
import subprocess
import time
import warnings

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

__all__ = ['ROOT', 'job_key', 'legacy_key', 'load_cache', 'execute',
           'pool_map', 'write_cache', 'merge_records', 'claim', 'release',
           'train_only',
           'run_one', 'evaluate', 'git_commit', 'config_path']


def legacy_key(cfg_name, opts, seed, epochs) -> str:
    """The cache key of the digits study's jobs (no evaluation options)."""
    blob = json.dumps([cfg_name, opts, seed, epochs], sort_keys=True,
                      default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def job_key(job) -> str:
    """Cache key of ``(cfg_name, opts, seed, epochs, robust_n, val)``."""
    cfg_name, opts, seed, epochs, robust_n, val = job
    return legacy_key(cfg_name, dict(opts, _eval=[robust_n, val]), seed,
                      epochs)


def load_cache(out: str) -> dict:
    """The finished runs cached in ``<out>/runs.json`` (creates ``out``)."""
    os.makedirs(out, exist_ok=True)
    cache = osp.join(out, 'runs.json')
    if not osp.isfile(cache):
        return {}
    with open(cache) as f:
        return json.load(f)


@contextlib.contextmanager
def _cache_lock(out: str):
    """An exclusive lock on ``<out>/runs.json`` between processes."""
    import fcntl
    with open(osp.join(out, 'runs.json.lock'), 'a') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def merge_records(results: dict, other: dict) -> int:
    """Adds ``other``'s records whose keys ``results`` lacks (a record once
    cached is never replaced); returns how many."""
    new = {k: v for k, v in other.items() if k not in results}
    results.update(new)
    return len(new)


def write_cache(out: str, results: dict) -> None:
    """``<out>/runs.json`` replaced atomically (a kill leaves the old one),
    merged under a lock with what is on disk: several processes may share
    one cache (two study commands on one ``--out``, say) without one
    dropping the runs of another. ``results`` gains the records of the
    others."""
    cache = osp.join(out, 'runs.json')
    with _cache_lock(out):
        merge_records(results, load_cache(out))
        pid = os.getpid()
        with open(f'{cache}.{pid}.tmp', 'w') as f:
            json.dump(results, f, indent=None, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(f'{cache}.{pid}.tmp', cache)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim(out: str, key: str) -> bool:
    """Claims run ``key`` for this process (``<out>/claims/<key>``, holding
    the pid; created exclusively): False when another live process holds it
    or its record is already cached; a dead process's claim is taken over.
    :func:`execute` releases it once the record is written."""
    folder = osp.join(out, 'claims')
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, key)
    with _cache_lock(out):
        if key in load_cache(out):
            return False
        try:
            with open(path) as f:
                owner = int(f.read().strip() or 0)
        except (OSError, ValueError):
            owner = 0
        if owner and owner != os.getpid() and _alive(owner):
            return False
        with open(path, 'w') as f:
            f.write(str(os.getpid()))
    return True


def release(out: str, key: str) -> None:
    try:
        os.remove(osp.join(out, 'claims', key))
    except FileNotFoundError:
        pass


def git_commit() -> str:
    """``HEAD``'s hash, ``+dirty`` when tracked files differ from it;
    ``unknown`` outside a git checkout. Records take :data:`CODE_COMMIT`,
    read when this module is imported (the code a process runs), not at
    the end of a run (the tree may have moved on meanwhile), and
    ``config_commit``, read when a run starts: a process reads the configs
    afresh for every run, so a config edited during a study reaches its
    later runs. A copy without ``.git`` (a device machine's) takes the
    hash from ``MMMULTIMIX_COMMIT`` when it is set."""
    if not osp.isdir(osp.join(ROOT, '.git')) and os.environ.get(
            'MMMULTIMIX_COMMIT'):
        return os.environ['MMMULTIMIX_COMMIT'] + '+copy'
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT,
                              capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain',
                                '--untracked-files=no'], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'
    return head + ('+dirty' if dirty else '')


CODE_COMMIT = git_commit()


def _worker_init(threads: int, ignore: str) -> None:
    import torch
    warnings.filterwarnings('ignore', message=ignore)
    torch.set_num_threads(threads)


def pool_map(fn, args, n_jobs: int, ignore: str = ''):
    """``fn`` over ``args``, yielding results as they finish: in this
    process when ``n_jobs <= 1``, else in ``n_jobs`` spawned processes, each
    with ``cores // n_jobs`` torch threads and the warnings whose message
    matches ``ignore`` silenced (``''``: all)."""
    if n_jobs <= 1:
        yield from map(fn, args)
        return
    import multiprocessing as mp
    threads = max(1, (os.cpu_count() or 1) // n_jobs)
    os.environ['OMP_NUM_THREADS'] = str(threads)
    with mp.get_context('spawn').Pool(n_jobs, _worker_init,
                                      (threads, ignore)) as pool:
        yield from pool.imap_unordered(fn, args)


def _run_job(args):
    """``(key, record)``, or ``(key, None)`` when another process has the
    run (running or cached): the claim is taken when the job starts, so
    that every process sharing ``out`` takes the next free run."""
    key, job, out = args
    if osp.exists(osp.join(out, 'STOP')):
        return key, 'stop'
    if not claim(out, key):
        return key, None
    cfg_name, opts, seed, epochs, robust_n, val = job
    try:
        return key, run_one(cfg_name, opts, seed,
                            osp.join(out, 'trainings', key), epochs,
                            robust_n, val)
    except BaseException:
        release(out, key)
        raise


def _eta(seconds: float) -> str:
    seconds = int(math.ceil(seconds))
    return f'{seconds // 3600}h{seconds % 3600 // 60:02d}m' \
        if seconds >= 3600 else f'{seconds // 60}m{seconds % 60:02d}s'


def execute(jobs: dict, results: dict, out: str, n_jobs: int = 1,
            train: bool = True, cost=None) -> dict:
    """Runs the jobs (``{key: job}``) missing from ``results``, in the given
    order (put the long ones first), ``n_jobs`` processes at a time (each
    with ``cores // n_jobs`` torch threads), caching every finished run in
    ``<out>/runs.json`` at once; returns ``results``. Processes sharing
    ``out`` split the jobs (:func:`claim`) and each other's records. A file
    ``<out>/STOP`` lets the runs in progress finish and starts no other
    (e.g. before a session ends). ``train=False`` only says how many are
    cached. ``cost(job)``, when given, weighs the jobs for
    the ETA (e.g. SGD steps); otherwise every job counts the same."""
    todo = [(k, j) for k, j in jobs.items() if k not in results]
    print(f'{len(jobs)} runs, {len(jobs) - len(todo)} cached, '
          f'{len(todo)} to do', flush=True)
    if not todo or not train:
        return results
    cost = cost or (lambda job: 1.0)
    left = sum(cost(j) for _, j in todo)
    done_cost, t0 = 0.0, time.time()
    args = [(k, j, out) for k, j in todo]
    i = 0
    for key, res in pool_map(_run_job, args, n_jobs):
        if res == 'stop':
            left -= cost(jobs[key])
            continue
        if res is None:
            left -= cost(jobs[key])
            print(f'{jobs[key][0]} seed {jobs[key][2]} epochs '
                  f'{jobs[key][3]}: run by another process', flush=True)
            continue
        done_cost += cost(jobs[key])
        i += 1
        results[key] = res
        write_cache(out, results)
        release(out, key)
        el = time.time() - t0
        eta = el / done_cost * (left - done_cost) if done_cost else 0
        cfg_name, opts, seed, epochs = jobs[key][:4]
        print(f'{i}/{len(todo)} {cfg_name} {opts} seed {seed} epochs '
              f'{epochs}: acc {res["acc"]:.2f} ({el:.0f} s so far, ETA '
              f'{_eta(eta)})', flush=True)
    if osp.exists(osp.join(out, 'STOP')):
        print(f'{osp.join(out, "STOP")} exists: no new run started (remove '
              'it to go on)', flush=True)
    with _cache_lock(out):  # what other processes finished meanwhile
        merge_records(results, load_cache(out))
    return results


def config_path(cfg_name):
    for folder in ('demo', 'multimix'):
        p = osp.join(ROOT, 'configs', folder, cfg_name + '.py')
        if osp.isfile(p):
            return p
    raise FileNotFoundError(f'no config {cfg_name}.py in configs/demo or '
                            'configs/multimix')


def scale_schedule(cfg, epochs) -> None:
    """``epochs`` training epochs, the step schedule's milestones scaled to
    the same fractions of training."""
    cfg.train_cfg.max_epochs = epochs
    ms = cfg.param_scheduler.get('milestones')
    if ms is not None:
        old = max(ms[-1], 1)
        full = max(old * 4 // 3, 1)
        cfg.param_scheduler.milestones = [
            max(1, int(m * epochs / full)) for m in ms
        ]


def train_only(cfg, work_dir: str, name: str = 'repro') -> None:
    """``cfg`` trains without validation, checkpoints or log output below
    ERROR, in ``work_dir``, under a fresh experiment name."""
    cfg.train_cfg.val_interval = 10**9
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1,
                                        save_last=False)
    cfg.work_dir = work_dir
    cfg.log_level = 'ERROR'
    cfg.experiment_name = f'{name}_{time.time_ns()}'


def cpu_label() -> str:
    """This machine's CPU as records state it: model name, ATen's
    instruction set and whether bf16 is native (runs are timed against
    others of the same label only)."""
    import torch

    from mmmultimix.models.utils import fast_bf16
    name = 'unknown CPU'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    name = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return (f'{name}, {torch.backends.cpu.get_cpu_capability()}, native '
            f'bf16 {fast_bf16(torch.device("cpu"))}')


def run_one(cfg_name, opts, seed, work_dir, epochs=None, robust_n=None,
            val=False):
    """Train, then evaluate clean / FGSM / PGD / ECE on the test set;
    returns the metrics and ``meta`` (what produced them). ``robust_n``:
    FGSM / PGD on the first ``robust_n`` test images only (0: skipped;
    None: all). ``val``: also the top-1 accuracy on the val split
    (``val_acc``), for choosing settings."""
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmmultimix  # noqa: F401
    if torch.cuda.is_available():
        # fp32 is fp32 on a GPU too: PyTorch lets cuDNN use TF32 by default
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    t0 = time.time()
    config_commit = git_commit()  # the configs this run reads
    cfg = Config.fromfile(config_path(cfg_name))
    cfg.merge_from_dict(copy.deepcopy(opts))
    if epochs is not None:
        scale_schedule(cfg, epochs)
    val_loader = copy.deepcopy(cfg.get('val_dataloader'))
    train_only(cfg, work_dir)
    cfg.randomness = dict(seed=seed, deterministic=False)
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.time() - t0
    model = runner.model
    model = getattr(model, 'module', model).eval()
    out = evaluate(model, runner, cfg.test_dataloader, robust_n)
    if val:
        out['val_acc'] = evaluate(model, runner, val_loader, 0)['acc']
    dev = next(model.parameters()).device
    out['meta'] = dict(
        config=cfg_name, cfg_options=opts, seed=seed,
        train_images=len(runner.train_dataloader.dataset),
        epochs=runner.max_epochs, steps=runner.iter,
        threads=torch.get_num_threads(),
        device=(torch.cuda.get_device_name(dev) if dev.type == 'cuda'
                else 'cpu'),
        precision=(getattr(model, 'resolved_precision', None)
                   and model.resolved_precision(dev)) or 'fp32',
        robust_n=robust_n, cpu=cpu_label(),
        wall_s=round(time.time() - t0, 1),
        train_s=round(train_s, 1), commit=CODE_COMMIT,
        config_commit=config_commit,
        torch=torch.__version__)
    return out


def evaluate(model, runner, loader_cfg, robust_n=None) -> dict:
    """Top-1 (``acc``, ``clean`` error), ECE and FGSM / PGD error (first
    ``robust_n`` images; 0: none, None: all) of ``model`` on a loader
    config, in %."""
    import torch

    from mmmultimix.evaluation import fgsm, pgd
    from mmmultimix.evaluation.functional import expected_calibration_error
    pre = model.data_preprocessor
    errs = dict(clean=[], fgsm=[], pgd=[])
    probs, labels = [], []
    seen = 0
    for batch in runner.build_dataloader(loader_cfg):
        data = pre(batch, False)
        x = data['inputs']
        y = torch.cat([s.gt_label for s in data['data_samples']]).to(x.device)
        x01 = ((x * pre.std + pre.mean) / 255).clamp(0, 1)

        def f(v):
            return model((v * 255 - pre.mean) / pre.std, mode='tensor')

        with torch.no_grad():
            logits = f(x01)
        probs.append(torch.softmax(logits.float(), 1))
        labels.append(y)
        errs['clean'].append((logits.argmax(1) != y).float())
        k = len(y) if robust_n is None else max(0, min(len(y),
                                                      robust_n - seen))
        seen += len(y)
        if k == 0:
            continue
        xk, yk = x01[:k], y[:k]
        for name, adv in (('fgsm', fgsm(f, xk, yk, 8 / 255)),
                          ('pgd', pgd(f, xk, yk, 4 / 255, 2 / 255, 10))):
            with torch.no_grad():
                errs[name].append((f(adv).argmax(1) != yk).float())
    out = {k: 100.0 * float(torch.cat(v).mean()) for k, v in errs.items()
           if v}
    out['acc'] = 100.0 - out['clean']
    out['ece'] = expected_calibration_error(torch.cat(probs), torch.cat(labels))
    return out
