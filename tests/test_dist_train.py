"""tools/dist_train.sh on CPU: 2 processes (torchrun, gloo)."""
import os
import os.path as osp
import socket
import subprocess

import fake_data
from runlog import scalars

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_dist_train_r50_dense_distil_two_procs(tmp_path):
    data = fake_data.make_imagenet(str(tmp_path / 'imagenet'), per_class=4)
    cfg = tmp_path / 'r50_dense_distil_tiny.py'
    # image-size override of the shipped config (32x32 crops, 4 per GPU)
    cfg.write_text(f"""
_base_ = ['{ROOT}/configs/multimix/r50_imagenet_dense_distil.py']
view = [
    dict(type='RandomResizedCrop', scale=32),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root='{data}', pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='MultiView', num_views=2, transforms=[view]),
        dict(type='PackInputs')]))
model = dict(head=dict(dense_size=1), mixer=dict(n=50))
train_cfg = dict(max_epochs=1, val_interval=10)
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
env_cfg = dict(dist_cfg=dict(backend='gloo'))
default_hooks = dict(logger=dict(interval=1))
""")
    work = str(tmp_path / 'work')
    env = dict(os.environ, PORT=str(_free_port()), OMP_NUM_THREADS='1',
               PYTHON=os.environ.get('PYTHON', ''))
    env.pop('PYTHON')
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir', work],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = scalars(work)
    losses = [r for r in rows if 'loss' in r]
    # 16 images / (2 ranks x 4) = 2 iterations, both logged, all finite
    assert [r['step'] for r in losses] == [1, 2]
    assert all(r['loss'] == r['loss'] and r['loss_distill'] >= 0
               for r in losses)
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))


def test_cross_rank_multimix_equals_single_process(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    import sys
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
         '2', '--master_port', str(_free_port()),
         osp.join(ROOT, 'tests', 'dist_scripts', 'cross_rank_check.py')],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert 'CROSS_RANK_OK' in proc.stdout


def test_more_ranks_than_gpus_share_them_over_gloo(monkeypatch):
    """2 ranks on a 1-GPU node (the device check's DDP): NCCL refuses two
    ranks on one device and mmengine would ask for GPU 1; each rank takes
    GPU LOCAL_RANK % count and the group is gloo (checked without a GPU:
    CUDA's answers and set_device replaced, a 1-process gloo group)."""
    import torch
    import torch.distributed as dist
    from mmengine.config import Config

    from mmmultimix.engine import distributed as D
    picked = []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    monkeypatch.setattr(torch.cuda, 'set_device', picked.append)
    env = dict(LOCAL_WORLD_SIZE='2', LOCAL_RANK='1', RANK='0',
               WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
               MASTER_PORT=str(_free_port()))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cfg = Config(dict(launcher='pytorch'))
    try:
        D.setup_distributed(cfg)
        assert picked == [0]
        assert dist.get_backend() == 'gloo'
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'
        assert cfg.model_wrapper_cfg.type == 'DeviceAgnosticDDP'
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    # one rank per GPU: mmengine's own path, nothing set up here
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '1')
    cfg = Config(dict(launcher='pytorch'))
    D.setup_distributed(cfg)
    assert 'model_wrapper_cfg' not in cfg and not dist.is_initialized()
