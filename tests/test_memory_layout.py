"""Channels-last on CPU (issue 25): oneDNN's AVX2 kernels of PyTorch 2.14.1
corrupt the heap in the backward pass of a channels-last 1×1 stride-2
convolution with 2–7 input channels. Such layers run in the standard layout
on CPU (``models/utils/memory_layout.py``). The crash would kill the
process, so the trainings run in subprocesses, with
``ONEDNN_MAX_CPU_ISA=AVX2`` so that AVX-512 hosts take the crashing
kernels too."""
import os
import os.path as osp
import subprocess
import sys
import textwrap
import warnings

import pytest
import torch
import torch.nn as nn

from mmmultimix.models.utils import MemoryLayout, cpu_unsafe_convs

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
AVX2 = dict(os.environ, ONEDNN_MAX_CPU_ISA='AVX2', OMP_NUM_THREADS='1')


def _run(code: str):
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=ROOT, env=AVX2, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize('cin,cout', [(4, 8), (2, 4), (4, 4)])
def test_reproducer_shapes_train_in_a_subprocess(cin, cout):
    proc = _run(f"""
        import warnings; warnings.simplefilter('ignore')
        import torch
        from mmmultimix.models.utils import MemoryLayout
        conv = torch.nn.Sequential(torch.nn.Conv2d({cin}, {cout}, 1,
                                                   stride=2))
        MemoryLayout(True).apply(conv)
        for _ in range(50):
            x = torch.randn(64, {cin}, 28, 28).contiguous(
                memory_format=torch.channels_last).requires_grad_(True)
            conv(x).sum().backward()
        print('trained')
        """)
    assert proc.returncode == 0 and 'trained' in proc.stdout, \
        proc.stderr[-2000:]


@pytest.mark.parametrize('base_channels', [4, 8])
def test_fashion_family_trains_narrow(base_channels, tmp_path):
    proc = _run(f"""
        import warnings; warnings.simplefilter('ignore')
        from mmengine.config import Config
        from mmengine.runner import Runner
        import mmmultimix
        cfg = Config.fromfile('configs/demo/fashion_dense_distil.py')
        cfg.model.backbone.base_channels = {base_channels}
        cfg.model.head.in_channels = {8 * base_channels}
        cfg.train_dataloader.dataset.num_per_class = 26  # 2 iterations
        cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=9)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                            interval=-1, save_last=False)
        cfg.work_dir = {str(tmp_path)!r}
        cfg.log_level = 'ERROR'
        runner = Runner.from_cfg(cfg)
        runner.train()
        assert runner.iter == 3 and cfg.model.channels_last, runner.iter
        print('trained')
        """)
    assert proc.returncode == 0 and 'trained' in proc.stdout, \
        proc.stderr[-2000:]


def test_unsafe_convs_found_and_kept_standard():
    from mmpretrain.registry import MODELS

    import mmmultimix  # noqa: F401
    cfg = dict(type='MultiMixClassifier',
               backbone=dict(type='PreActResNet', depth=18, base_channels=4,
                             in_channels=1),
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=10,
                         in_channels=32))
    torch.manual_seed(0)
    plain = MODELS.build(dict(cfg, channels_last=False))
    plain.init_weights()
    torch.manual_seed(0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        cl = MODELS.build(dict(cfg, channels_last=True))
    cl.init_weights()
    unsafe = cpu_unsafe_convs(cl)
    # base 4: the stride-2 shortcut of stage 2 (4 -> 8); 8 and 16 inputs
    # of the later shortcuts are safe
    assert len(unsafe) == 1, unsafe
    assert any('standard layout on CPU' in str(x.message) for x in w)
    for name in unsafe:  # standard strides (channels-last ones of a 1x1
        # weight pass is_contiguous() too)
        w = cl.get_submodule(name).weight
        assert w.stride() == torch.empty(w.shape).stride()
    x = torch.randn(4, 1, 28, 28)
    cl.eval()
    plain.eval()
    with torch.no_grad():
        torch.testing.assert_close(cl(x), plain(x), rtol=1e-4, atol=1e-5)
    # the teacher copies inherit the layout and the hook
    assert cpu_unsafe_convs(nn.Sequential(nn.Conv2d(8, 16, 1, stride=2))) \
        == []


def test_layout_helper_is_a_no_op_when_disabled():
    layout = MemoryLayout(False)
    conv = nn.Conv2d(4, 8, 1, stride=2)
    assert layout.apply(conv) is conv and conv.weight.is_contiguous()
    x = torch.randn(2, 4, 8, 8)
    assert layout.images(x) is x
    on = MemoryLayout(True)
    y = on.images(x)
    assert y.is_contiguous(memory_format=torch.channels_last)
