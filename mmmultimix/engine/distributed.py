"""DDP on CPU (gloo) through mmengine's launchers.

mmengine 0.10.7's ``pytorch`` launcher calls ``torch.cuda.set_device`` and
wraps the model with ``device_ids=[LOCAL_RANK]``, both of which fail without
a GPU. :func:`setup_distributed` initialises the process group itself on CPU
(gloo) and selects :class:`DeviceAgnosticDDP`, which passes ``device_ids``
only for CUDA modules; on CUDA machines mmengine's own path is untouched.
"""
import os

import torch
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS

__all__ = ['DeviceAgnosticDDP', 'setup_distributed', 'build_runner',
           'default_work_dir', 'close_distributed']


def close_distributed() -> None:
    """Destroys the default process group at the end of a launched run
    (mmengine leaves it open: gloo's threads then abort the process at exit
    now and then, 'terminate called without an active exception')."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticDDP(MMDistributedDataParallel):
    """:class:`MMDistributedDataParallel` that drops ``device_ids`` for a
    CPU module (gloo)."""

    def __init__(self, module, detect_anomalous_params: bool = False,
                 **kwargs):
        if next(module.parameters()).device.type == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        super().__init__(module=module,
                         detect_anomalous_params=detect_anomalous_params,
                         **kwargs)


def setup_distributed(cfg) -> None:
    """Prepares ``cfg`` for a distributed launch without CUDA: initialises
    a gloo process group from the launcher's environment and uses
    :class:`DeviceAgnosticDDP`. No-op with CUDA or ``launcher='none'``."""
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    if launcher == 'slurm':
        # slurm sets these for srun tasks
        os.environ.setdefault('RANK', os.environ.get('SLURM_PROCID', '0'))
        os.environ.setdefault('WORLD_SIZE',
                              os.environ.get('SLURM_NTASKS', '1'))
        os.environ.setdefault('LOCAL_RANK',
                              os.environ.get('SLURM_LOCALID', '0'))
        os.environ.setdefault('MASTER_PORT', '29500')
        os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(type='DeviceAgnosticDDP')


def default_work_dir(cfg, config_path: str, work_dir=None) -> None:
    """``--work-dir``, else the config's, else ``work_dirs/<config name>``
    (mmpretrain's rule)."""
    import os.path as osp
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])


FULL_ENV_HINT = ('`bash tools/setup_env.sh full` builds them once (15-30 '
                 'min on 2 cores; the wheel is cached) and installs them '
                 'in .venv')


def require_compiled_ops(cfg) -> None:
    """A detection config (``default_scope='mmdet'``) needs mmcv's compiled
    ops (NMS, RoI align); the light environment (mmcv-lite) has none: stop
    with the command that builds them instead of failing deep in mmdet."""
    if cfg.get('default_scope') != 'mmdet':
        return
    try:
        from mmcv.ops import nms  # noqa: F401
    except (ImportError, ModuleNotFoundError) as e:
        raise RuntimeError(
            'this detection config needs mmcv\'s compiled ops (NMS, RoI '
            'align), which the light environment (mmcv-lite, tools/'
            f'setup_env.sh light) does not have: {FULL_ENV_HINT}') from e


def build_runner(cfg):
    """The runner of ``cfg`` (``runner_type`` honoured, else
    :class:`MultiMixRunner`), after
    :func:`setup_distributed`; shared by ``tools/train.py`` and
    ``tools/test.py``."""
    from mmengine.registry import RUNNERS

    from .runner import MultiMixRunner
    require_compiled_ops(cfg)
    setup_distributed(cfg)  # gloo on machines without CUDA
    if 'runner_type' not in cfg:
        return MultiMixRunner.from_cfg(cfg)
    return RUNNERS.build(cfg)
