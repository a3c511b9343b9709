"""A GPU user's first day in one call (``tools/gpu_check.sh``'s steps, and
``tests/test_cuda.py``'s): every mixer and variant trains a few steps on a
device, in the standard and the channels-last layout, and MultiMix + dense
+ distil trains in fp16 (mmengine's ``AmpOptimWrapper``: autocast and
dynamic loss scaling; CUDA only) and in bf16 (``model.precision``), with
the interpolation maths in fp32. The same code runs on the CPU at tiny
sizes (``--tiny``: the dry run that checks a device call before it is
made)."""
import argparse
import time
from types import SimpleNamespace

import torch

from .speed import VARIANTS, build_variant, variant_step

__all__ = ['SIZES', 'mixer_steps', 'precision_steps', 'format_rows',
           'find_device_python']

# (batch, image size, n, dense map) on the device and in the dry run
SIZES = dict(full=(128, 32, 1000, 4), tiny=(8, 16, 32, 2))
# PuzzleMix's graph cuts run on the CPU whatever the device (gco)
CPU_PARTS = {'puzzlemix': 'graph cuts on the CPU'}


def _args(size, channels_last=False, precision='fp32'):
    batch, img, n, dense = SIZES[size]
    return SimpleNamespace(batch_size=batch, img_size=img, n=n,
                           dense_size=dense, teacher_dtype=None,
                           channels_last=channels_last,
                           precision=[precision])


def _timed(step, steps):
    step()  # first step: lazy state and kernels
    t0 = time.perf_counter()
    losses = [step() for _ in range(steps)]
    seconds = (time.perf_counter() - t0) / steps
    bad = [float(v) for v in losses if not torch.isfinite(v)]
    if bad:
        raise FloatingPointError(f'non-finite losses {bad}')
    return seconds, float(losses[-1])


def mixer_steps(cfg, device, size='full', steps=2, names=None,
                allow_missing=False):
    """Every variant of :data:`VARIANTS` (``names``: some), ``steps``
    timed training steps each, in both layouts; rows of dicts. With
    ``allow_missing`` a baseline whose package is not installed (PuzzleMix's
    gco, SaliencyMix's OpenCV contrib build: its 64 MB wheel is more than a
    device call carries) is a row that says so instead of an error."""
    device = torch.device(device)
    rows = []
    for name in names or VARIANTS:
        for cl in (False, True):
            row = dict(variant=name, layout='channels_last' if cl
                       else 'standard', precision='fp32')
            try:
                step = variant_step(cfg, _args(size, cl), device, name,
                                    precision='fp32')
            except ImportError as e:  # gco / OpenCV's contrib not here
                if not allow_missing:
                    raise
                rows.append(dict(row, s_per_step=None, loss=None,
                                 note=f'skipped: {e}'))
                continue
            seconds, loss = _timed(step, steps)
            rows.append(dict(row, s_per_step=seconds, loss=loss,
                             note=CPU_PARTS.get(name, '')))
    return rows


def precision_steps(cfg, device, size='full', steps=2):
    """MultiMix + dense + distil in bf16 (``model.precision``) and, on
    CUDA, fp16 through ``AmpOptimWrapper`` (loss scaling); each row checks
    that ``Λ`` is sampled in fp32 and the loss is an fp32 scalar."""
    from mmengine.optim import AmpOptimWrapper
    from mmpretrain.structures import DataSample
    device = torch.device(device)
    batch, img, n, dense = SIZES[size]
    mixer = dict(VARIANTS['dense_distil'], n=n)
    rows = []
    for precision in ('bf16', 'fp16'):
        if precision == 'fp16' and device.type != 'cuda':
            rows.append(dict(variant='dense_distil', layout='standard',
                             precision='fp16', s_per_step=None, loss=None,
                             note='AmpOptimWrapper needs CUDA: skipped'))
            continue
        model = build_variant(cfg, mixer, dense, True,
                              precision='bf16' if precision == 'bf16'
                              else 'fp32').to(device).train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        wrapper = AmpOptimWrapper(optimizer=opt, dtype='float16') \
            if precision == 'fp16' else None
        g = torch.Generator().manual_seed(0)
        x = torch.randn(2, batch, 3, img, img, generator=g).to(device)
        samples = [DataSample().set_gt_label(i % model.head.num_classes)
                   for i in range(batch)]

        def step():
            if wrapper is None:
                opt.zero_grad(set_to_none=True)
                total = sum(v for k, v in model.loss(x, samples).items()
                            if 'loss' in k)
                total.backward()
                opt.step()
            else:
                with wrapper.optim_context(model):
                    total = sum(v for k, v in model.loss(x, samples).items()
                                if 'loss' in k)
                wrapper.update_params(total)
            model.update_teacher()
            if device.type == 'cuda':
                torch.cuda.synchronize(device)
            if total.dtype != torch.float32:
                raise TypeError(f'{precision}: the loss is {total.dtype}, '
                                'not fp32')
            return total.detach()

        seconds, loss = _timed(step, steps)
        plan = model.mixer.sample(batch)
        lam = plan.sample_lambda(dense * dense, batch, device)  # Λ^j
        if lam.dtype != torch.float32:
            raise TypeError(f'{precision}: Λ sampled in {lam.dtype}')
        note = 'Λ and loss fp32'
        if wrapper is not None:
            note += f', loss scale {wrapper.loss_scaler.get_scale():g}'
        rows.append(dict(variant='dense_distil', layout='standard',
                         precision=precision, s_per_step=seconds, loss=loss,
                         note=note))
    return rows


def find_device_python():
    """The path of a Python of the device's version (what
    ``tools/device_python.sh`` finds), or None."""
    import os.path as osp
    import subprocess
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    proc = subprocess.run(
        ['bash', '-c', f'source {root}/tools/device_python.sh && '
         'echo "$DEVICE_PY"'], capture_output=True, text=True)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def format_rows(rows, device) -> str:
    name = torch.cuda.get_device_name(device) \
        if torch.device(device).type == 'cuda' else 'CPU'
    lines = [f'device: {device} ({name}), torch {torch.__version__}', '',
             '| variant | layout | precision | s / step | loss | note |',
             '|---|---|---|---|---|---|']
    for r in rows:
        t = '—' if r['s_per_step'] is None else f"{r['s_per_step']:.4f}"
        loss = '—' if r['loss'] is None else f"{r['loss']:.4f}"
        lines.append(f"| {r['variant']} | {r['layout']} | {r['precision']} "
                     f"| {t} | {loss} | {r['note']} |")
    return '\n'.join(lines)


def main(argv=None):
    import os.path as osp

    from mmengine.config import Config

    import mmmultimix  # noqa: F401
    from .speed import quiet_logs
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config', default=osp.join(
        root, 'configs', 'multimix', 'r18_cifar100_baseline.py'))
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    p.add_argument('--tiny', action='store_true',
                   help='the dry run\'s sizes (batch 8, 16 px, n = 32)')
    p.add_argument('--steps', type=int, default=2)
    p.add_argument('--allow-missing', action='store_true',
                   help='a baseline whose package is missing (gco, OpenCV '
                   'contrib) is reported as skipped, not an error')
    p.add_argument('--out', help='write the Markdown table here')
    args = p.parse_args(argv)
    quiet_logs()
    cfg = Config.fromfile(args.config)
    size = 'tiny' if args.tiny else 'full'
    rows = mixer_steps(cfg, args.device, size, args.steps,
                       allow_missing=args.allow_missing) + \
        precision_steps(cfg, args.device, size, args.steps)
    text = format_rows(rows, torch.device(args.device))
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')


__all__ += ['main']
