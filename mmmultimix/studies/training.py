"""One training of a study and its evaluation: what a study's task runs
(:func:`run_job`), in whatever process the engine (:mod:`.engine`) places it.

:func:`run_one` trains a config with a seed (the schedule scaled to the
given epochs), then evaluates clean / FGSM / PGD / ECE on the test set and
returns the metrics with ``meta``: what produced them (config, overrides,
seed, images, epochs, SGD steps, threads, device, precision, CPU, wall
seconds, git commit of the code the process imported and of the tree when
the run read its config).
"""
import copy
import os.path as osp
import time

from .records import CODE_COMMIT, MIXER_SEEDING, ROOT, Job, git_commit

__all__ = ['config_path', 'scale_schedule', 'train_only', 'cpu_label',
           'run_job', 'run_one', 'evaluate']


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


def run_job(job, work_dir, as_configured=False, quiet=True):
    """The record of one study :class:`~.records.Job`, trained in
    ``work_dir`` (the engine's default task; the options as
    :func:`run_one`'s)."""
    j = Job(*job)
    return run_one(j.config, j.cfg_options, j.seed, work_dir, j.epochs,
                   j.robust_n, j.val, as_configured=as_configured,
                   quiet=quiet)


def run_one(cfg_name, opts, seed, work_dir, epochs=None, robust_n=None,
            val=False, checkpoint=None, as_configured=False, quiet=True):
    """Train, then evaluate clean / FGSM / PGD / ECE on the test set;
    returns the metrics and ``meta`` (what produced them). ``robust_n``:
    FGSM / PGD on the first ``robust_n`` test images only (0: skipped;
    None: all). ``val``: also the top-1 accuracy on the val split
    (``val_acc``), for choosing settings. ``checkpoint``: a path to save
    the trained model at, as ``tools/test.py`` loads it. By default the
    run trains without validation, checkpoints or logs below ERROR
    (:func:`train_only`); ``as_configured``: with the config's own, as
    ``tools/train.py`` runs it (the demo), ``quiet`` keeping its logs to
    errors."""
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
    if as_configured:
        cfg.work_dir = work_dir
        cfg.experiment_name = f'{cfg_name}_seed{seed}_{time.time_ns()}'
        if quiet:
            cfg.log_level = 'ERROR'
    else:
        train_only(cfg, work_dir)
    cfg.randomness = dict(seed=seed, deterministic=False)
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.time() - t0
    model = runner.model
    model = getattr(model, 'module', model).eval()
    if checkpoint is not None:
        runner.save_checkpoint(
            osp.dirname(checkpoint), osp.basename(checkpoint),
            save_optimizer=False, save_param_scheduler=False)
    out = evaluate(model, cfg, cfg.test_dataloader, robust_n)
    if val:
        out['val_acc'] = evaluate(model, cfg, val_loader, 0)['acc']
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
        config_commit=config_commit, mixer_seeding=MIXER_SEEDING,
        torch=torch.__version__)
    return out


def evaluate(model, cfg, loader_cfg, robust_n=None) -> dict:
    """Top-1 (``acc``, ``clean`` error), ECE and FGSM / PGD error (first
    ``robust_n`` images; 0: none, None: all) of ``model`` on a loader
    config, in %: what ``tools/test.py CFG CKPT --attack --metrics
    ExpectedCalibrationError`` prints (with ``--cfg-options
    test_cfg.attack_samples=robust_n``), through the same runner, loop and
    metrics, on ``model``'s weights."""
    from mmmultimix.engine import build_runner
    from mmmultimix.evaluation import cli
    test = copy.deepcopy(cfg)
    test.test_dataloader = copy.deepcopy(loader_cfg)
    cli.use_attacks(test, [] if robust_n == 0 else None, robust_n or None)
    cli.add_metrics(test, ['ExpectedCalibrationError'])
    test.load_from = test.resume = None
    test.experiment_name = f'{cfg.experiment_name}_test_{time.time_ns()}'
    runner = build_runner(test)
    runner.model.load_state_dict(model.state_dict())
    metrics = runner.test()
    out = dict(acc=float(metrics['clean/accuracy/top1']),
               clean=float(metrics['clean/error']),
               ece=float(metrics['clean/calibration/ece']))
    for attack in runner.test_loop.attacks:
        out[attack['type'].lower()] = float(metrics[f"{attack['name']}/error"])
    return out
