"""What a paper config costs on a GPU, estimated on the CPU (the library of
``tools/analysis/estimate_cost.py`` and of the GPU runbook's table).

For the config's own model (mixer on its mixing branch, dense head,
teacher as configured) one training step runs on synthetic batches of two
small sizes; the step's FLOPs (``torch.utils.flop_counter``'s formulas:
matrix products and convolutions, forward and backward) and the bytes
autograd saves for the backward pass (each storage once, parameters
excluded) are affine in the batch, so two sizes give them at the config's
per-GPU batch exactly. From them:

- **time per epoch**: the epoch's FLOPs over a rate calibrated on the one
  GPU measurement we have, ResNet-50 at 224 px without mixup, 1712 img/s on
  an NVIDIA H100 in fp32 (``docs/benchmarks/bench_r50_224.md``); the
  rate is that step's FLOPs times its steps per second. It ignores data
  loading, kernel-launch overhead (small models run below the rate:
  PreActResNet-18 at 32 px measured 10,979 img/s on the H100,
  ``bench_r18_32.md``) and CPU work such as PuzzleMix's graph cuts;
- **memory per GPU**: weights, gradients, optimizer state (SGD one
  momentum, AdamW two moments), the teacher's weights and statistics, and
  the saved activations: a lower bound (no allocator cache, cuDNN
  workspace or CUDA context);
- **checkpoint size**: weights, optimizer state and teacher in fp32.
"""
import copy

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

from .speed import make_step

__all__ = ['DATASETS', 'H100_R50_IMG_S', 'step_cost', 'config_cost',
           'format_costs']

# train images per epoch and the training crop of each dataset a paper
# config reads (the data sets' own sizes)
DATASETS = {
    'OfflineCIFAR10': (50_000, 32),
    'OfflineCIFAR100': (50_000, 32),
    'TinyImageNet': (100_000, 64),
    'ImageNet': (1_281_167, 224),
}
# measured: docs/benchmarks/bench_r50_224.md (NVIDIA H100 80GB, fp32,
# m = 128, no mixup)
H100_R50_IMG_S = 1712.4
CALIBRATION = 'configs/multimix/r50_imagenet_baseline.py'


def step_cost(model, batch_size, img_size, in_channels):
    """``(flops, saved_bytes)`` of one training step of ``model`` on a
    synthetic batch (CPU, fp32)."""
    step = make_step(model, torch.device('cpu'), batch_size, img_size,
                     in_channels)
    step()  # lazy state (optimizer momentum, caches) exists from here on
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    params |= {b.untyped_storage().data_ptr() for b in model.buffers()}
    seen, saved = set(params), [0]

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in seen:
            seen.add(ptr)
            saved[0] += t.untyped_storage().nbytes()
        return t

    with _FlopCount() as counter, \
            torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        step()
    return counter.total, saved[0]


class _FlopCount(TorchDispatchMode):
    """The FLOPs of every operator ``torch.utils.flop_counter`` has a
    formula for (FlopCounterMode's count without its module tracker, whose
    backward hooks refuse the ``autograd.grad`` of PuzzleMix's saliency
    pass)."""

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += formula(*args, **kwargs, out_val=out)
        return out


def _state_bytes(model, optimizer_type):
    """Weights + gradients, optimizer state and teacher (fp32 bytes), and
    the checkpoint's size."""
    student = [p for n, p in model.named_parameters()
               if not n.startswith('teacher.')]
    p_bytes = sum(p.numel() * 4 for p in student)
    b_bytes = sum(b.numel() * 4 for n, b in model.named_buffers()
                  if not n.startswith('teacher.'))
    moments = 2 if optimizer_type.lower().startswith('adam') else 1
    teacher = 0
    if getattr(model, 'teacher', None) is not None:
        teacher = sum(t.numel() * 4 for t in model.teacher.state_dict()
                      .values() if torch.is_tensor(t))
    train = 2 * p_bytes + b_bytes + moments * p_bytes + teacher
    ckpt = p_bytes + b_bytes + moments * p_bytes + teacher
    return train, ckpt, p_bytes // 4


def config_cost(cfg, sizes=(2, 4), calibration=None):
    """The estimates of one config (``mmengine.Config``) as a dict; the
    FLOP rate comes from ``calibration`` (a dict from this function on the
    calibration config) or is the step's own when ``None``."""
    from mmpretrain.registry import MODELS
    dataset = cfg.train_dataloader.dataset
    while 'dataset' in dataset:  # RepeatDataset & co.
        dataset = dataset.dataset
    images, crop = DATASETS[dataset.type]
    batch = cfg.train_dataloader.batch_size
    in_ch = cfg.model.backbone.get('in_channels', 3)
    torch.manual_seed(0)
    model_cfg = copy.deepcopy(cfg.model)
    if model_cfg.get('mixer') and 'prob' in model_cfg['mixer']:
        # the mixing branch every step (what a mixing step costs; with
        # prob < 1 the steps of one run would differ from each other)
        model_cfg['mixer']['prob'] = 1.0
    if cfg.get('data_preprocessor') and 'data_preprocessor' not in model_cfg:
        # as the runner does (PuzzleMix reads its mean and std)
        model_cfg['data_preprocessor'] = dict(
            dict(type='ClsDataPreprocessor'), **cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    model.init_weights()
    (f1, s1), (f2, s2) = (step_cost(model, b, crop, in_ch) for b in sizes)
    per_f, per_s = (f2 - f1) / (sizes[1] - sizes[0]), \
        (s2 - s1) / (sizes[1] - sizes[0])
    flops = f1 + per_f * (batch - sizes[0])
    saved = s1 + per_s * (batch - sizes[0])
    train, ckpt, n_params = _state_bytes(
        model, cfg.optim_wrapper.optimizer.type)
    base = cfg.get('auto_scale_lr', {}).get('base_batch_size', batch)
    rate = (calibration or {}).get('flops_per_s')
    if rate is None:  # this is the calibration config
        rate = flops * H100_R50_IMG_S / batch
    steps = -(-images // batch)
    return dict(
        batch=batch, gpus=max(1, base // batch), epochs=cfg.train_cfg.get(
            'max_epochs'), images=images, crop=crop, params=n_params,
        flops_per_step=flops, flops_per_s=rate,
        s_per_epoch_1gpu=steps * flops / rate,
        memory_gib=(train + saved) / 2**30, checkpoint_mib=ckpt / 2**20)


def format_costs(rows):
    """Markdown table of ``[(name, cost dict)]``."""
    out = ['| config | batch / GPU × GPUs (paper) | epochs | GFLOPs / step '
           '| H100 s / epoch, 1 GPU | H100 h / run, paper GPUs | '
           'memory / GPU (GiB, ≥) | checkpoint (MiB) |',
           '|---|---|---|---|---|---|---|---|']
    for name, c in rows:
        run_h = c['s_per_epoch_1gpu'] * c['epochs'] / c['gpus'] / 3600
        out.append(
            f"| `{name}` | {c['batch']} × {c['gpus']} | {c['epochs']} | "
            f"{c['flops_per_step'] / 1e9:,.0f} | "
            f"{c['s_per_epoch_1gpu']:,.0f} | {run_h:.1f} | "
            f"{c['memory_gib']:.1f} | {c['checkpoint_mib']:.0f} |")
    return '\n'.join(out)
