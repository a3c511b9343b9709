"""DDP on CPU (gloo) through mmengine's launchers, and with more ranks than
GPUs (a check of 2 ranks on one GPU).

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
        device = next(module.parameters()).device
        if device.type == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        elif 'device_ids' in kwargs:  # the module's GPU, not LOCAL_RANK's
            kwargs['device_ids'] = [device.index]
            kwargs.pop('output_device', None)
        super().__init__(module=module,
                         detect_anomalous_params=detect_anomalous_params,
                         **kwargs)


def _ranks_share_gpus() -> bool:
    """More ranks on this node than GPUs (``LOCAL_WORLD_SIZE``, torchrun's):
    NCCL refuses two ranks on one device, and mmengine would ask for GPU
    ``LOCAL_RANK``, which does not exist; gloo shares the devices."""
    local = int(os.environ.get('LOCAL_WORLD_SIZE', '1'))
    return local > torch.cuda.device_count()


def setup_distributed(cfg) -> None:
    """Prepares ``cfg`` for a distributed launch without CUDA (or with more
    ranks per node than GPUs, e.g. 2 ranks checked on one GPU, each then on
    GPU ``LOCAL_RANK % count``): initialises a gloo process group from the
    launcher's environment and uses :class:`DeviceAgnosticDDP`. No-op with
    one rank per GPU (mmengine's own NCCL path) or ``launcher='none'``."""
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none':
        return
    if torch.cuda.is_available():
        if not _ranks_share_gpus():
            return
        torch.cuda.set_device(int(os.environ.get('LOCAL_RANK', '0')) %
                              torch.cuda.device_count())
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
    env_cfg = dict(cfg.get('env_cfg') or {})
    env_cfg['dist_cfg'] = dict(env_cfg.get('dist_cfg') or {}, backend='gloo')
    cfg.env_cfg = env_cfg
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
