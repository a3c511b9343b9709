"""Training-step timing of every mixing variant of a config, as ratios to
no mixup (the library of ``tools/analysis/benchmark_speed.py``): the
variants' models, one training step on a synthetic batch, interleaved
timing, the tables and the ``n`` sweep."""
import copy
import os
import os.path as osp
import statistics
import time

import torch

from .memory import measure_memory

__all__ = ['VARIANTS', 'BOUNDS', 'build_variant', 'make_step',
           'time_variants', 'format_table', 'precisions', 'variant_step',
           'run_variants', 'run_sweep', 'plot_sweep', 'quiet_logs']

VARIANTS = {
    'baseline': None,
    'input_mixup': dict(type='InputMixup', alpha=1.0),
    'manifold_mixup': dict(type='ManifoldMixup', alpha=2.0,
                           layers=(0, 1, 2)),
    'multimix': dict(type='MultiMix', n=1000, prob=1.0),
    'dense': dict(type='MultiMix', n=1000, prob=1.0, dense=True),
    'distil': dict(type='MultiMix', n=1000, prob=1.0),
    'dense_distil': dict(type='MultiMix', n=1000, prob=1.0, dense=True),
    # the paper's baselines, each on its mixing branch (prob=1)
    'alignmixup': dict(type='AlignMixup', prob=1.0),
    'zeta_mixup': dict(type='ZetaMixup'),
    'puzzlemix': dict(type='PuzzleMix'),
    'saliencymix': dict(type='SaliencyMix', prob=1.0),
}
DISTIL = ('distil', 'dense_distil')
# the official loss of a variant, where it is not the soft cross-entropy
LOSSES = {'puzzlemix': dict(type='SoftmaxBCELoss')}
# what each variant should cost, as a ratio to no mixup (docs/performance.md's
# bounds): one more forward and backward for PuzzleMix's saliency
BOUNDS = {'alignmixup': 0.95, 'zeta_mixup': 0.98, 'saliencymix': 0.98,
          'puzzlemix': 0.5}


def build_variant(cfg, mixer, dense_size, distil=False, teacher_dtype=None,
                  channels_last=None, loss=None, precision='fp32'):
    """The model of one variant of ``cfg`` (``channels_last`` None: the
    config's ``model.channels_last``; ``teacher_dtype`` None: the run's
    ``precision``)."""
    from mmpretrain.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('mixer', None)
    if mixer is not None and mixer.get('dense'):
        model_cfg['neck'] = None
        head = dict(model_cfg['head'])
        head['type'] = 'DenseLinearClsHead'
        head['dense_size'] = dense_size
        model_cfg['head'] = head
    model_cfg['mixer'] = mixer
    if distil:
        model_cfg['distill'] = dict(gamma=0.5, momentum=0.001)
        if teacher_dtype is not None:
            model_cfg['distill']['teacher_dtype'] = teacher_dtype
    model_cfg['precision'] = precision
    if channels_last is not None:
        model_cfg['channels_last'] = channels_last
    if loss is not None:  # the head's loss is the training loss
        model_cfg['head'] = dict(model_cfg['head'], loss=loss)
    pre = cfg.get('data_preprocessor') or {}
    model_cfg['data_preprocessor'] = dict(
        type='ClsDataPreprocessor',
        num_classes=model_cfg['head']['num_classes'],
        **{k: pre[k] for k in ('mean', 'std') if k in pre})
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def make_step(model, device, batch_size, img_size, in_channels, lr=0.1):
    from mmpretrain.structures import DataSample
    model.to(device).train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                          lr=lr, momentum=0.9, weight_decay=1e-4)
    c = model.head.num_classes
    g = torch.Generator().manual_seed(0)
    views = 2 if model.teacher is not None else 1
    x = torch.randn(views, batch_size, in_channels, img_size, img_size,
                    generator=g).to(device)
    if views == 1:
        x = x[0]
    labels = torch.randint(c, (batch_size, ), generator=g)
    samples = [DataSample().set_gt_label(int(y)) for y in labels]

    def step():
        """One SGD step; returns its loss (detached)."""
        opt.zero_grad(set_to_none=True)
        losses = model.loss(x, samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        total.backward()
        opt.step()
        model.update_teacher()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        return total.detach()

    return step


def time_variants(steps, reps, warmup, batch_size, base='baseline',
                  base_of=None, fp32_of=None):
    """Interleaved timing: rep r times every variant once, in turn.

    Besides img/s from the median step time, each variant gets ``ratio``:
    the median over rounds of ``t_base / t_variant`` within the same round,
    which cancels the slow drift of a shared machine. ``base_of`` maps a
    key to its own base (default ``base``); ``fp32_of`` a key to the same
    variant's fp32 key, giving ``vs_fp32`` (``t_fp32 / t``, median over
    rounds)."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {k: [] for k in steps}
    for _ in range(reps):
        for k, step in steps.items():
            t0 = time.perf_counter()
            step()
            times[k].append(time.perf_counter() - t0)
    out = {}
    base_of = base_of or {}
    fp32_of = fp32_of or {}
    for k, ts in times.items():
        med = statistics.median(ts)
        out[k] = dict(img_s=batch_size / med, median_s=med,
                      spread=(max(ts) - min(ts)) / med if len(ts) > 1 else 0.0)
        kb = base_of.get(k, base)
        if kb in times:
            out[k]['ratio'] = statistics.median(
                b / t for b, t in zip(times[kb], ts))
        if k in fp32_of and fp32_of[k] in times:
            out[k]['vs_fp32'] = statistics.median(
                f / t for f, t in zip(times[fp32_of[k]], ts))
    return out


def format_table(res, base='baseline', memory=None):
    b = res[base]['img_s']
    vs = any('vs_fp32' in r for r in res.values())
    lines = ['| variant | img/s | ratio to baseline | bound | spread | '
             'step peak memory (MB) |' + (' × fp32 |' if vs else ''),
             '|---|---|---|---|---|---|' + ('---|' if vs else '')]
    for k, r in res.items():
        mem = memory.get(k) if memory else None
        mem = f'{mem:.1f}' if mem is not None else '—'
        ratio = r.get('ratio', r['img_s'] / b)
        name = k.split(' ')[0]
        bound = f'≥ {BOUNDS[name]:.2f}' if name in BOUNDS else '—'
        line = (f"| {k} | {r['img_s']:.1f} | {ratio:.3f} | {bound} | "
                f"±{100 * r['spread'] / 2:.1f} % | {mem} |")
        if vs:
            line += (f" {r['vs_fp32']:.2f}× |" if 'vs_fp32' in r else ' — |')
        lines.append(line)
    return '\n'.join(lines)


def precisions(args, device):
    """``--precision`` resolved on ``device`` (``auto``: bf16 where it is
    native), in order, without repeats."""
    from mmmultimix.models.utils import resolve_precision
    out = []
    for p in args.precision:
        p = resolve_precision(p, device, '--precision')
        if p not in out:
            out.append(p)
    return out


def variant_step(cfg, args, device, name, n=None, precision=None):
    """The training step of variant ``name`` (``n`` tuples)."""
    mixer = copy.deepcopy(VARIANTS[name])
    if mixer is not None and 'n' in mixer:
        mixer['n'] = args.n if n is None else n
    in_ch = cfg.model.backbone.get('in_channels', 3)
    pre = cfg.get('data_preprocessor') or {}
    if name == 'saliencymix' and in_ch != 3 and 'mean' in pre:
        # the official statistics are CIFAR's 3 channels: the config's own
        mixer['saliency_norm'] = dict(mean=[v / 255 for v in pre['mean']],
                                      std=[v / 255 for v in pre['std']])
    model = build_variant(cfg, mixer, args.dense_size, name in DISTIL,
                          args.teacher_dtype, args.channels_last or None,
                          LOSSES.get(name),
                          precision or precisions(args, device)[0])
    return make_step(model, device, args.batch_size, args.img_size, in_ch)


def run_variants(cfg, args, device, argv):
    """The main table: every variant (in every precision), its ratio to
    the baseline (of its precision) and, beside fp32, to its fp32 step."""
    precs = precisions(args, device)
    if len(precs) > 1 and args.memory:
        raise ValueError('--memory measures one precision: give one '
                         '--precision')

    def key(name, p):
        return name if len(precs) == 1 else f'{name} {p}'

    steps = {key(name, p): variant_step(cfg, args, device, name, None, p)
             for p in precs for name in args.variants}
    first = args.variants[0]
    bname = 'baseline' if 'baseline' in args.variants else first
    base = key(bname, precs[0])
    base_of = {key(n, p): key(bname, p) for p in precs
               for n in args.variants}
    fp32_of = {key(n, p): key(n, 'fp32') for p in precs if p != 'fp32'
               for n in args.variants} if 'fp32' in precs else {}
    res = time_variants(steps, args.reps, args.warmup, args.batch_size, base,
                        base_of, fp32_of)
    memory = measure_memory(steps, args, device, argv) if args.memory else {}
    header = (f'{osp.basename(args.config)}, {args.device}, m = '
              f'{args.batch_size}, {args.img_size}x{args.img_size}, n = '
              f'{args.n}, {args.reps} interleaved reps (median; ratio = '
              'median over rounds of t_baseline / t_variant); precision '
              f'{", ".join(precs)} (model.precision: student and teacher; '
              f'{_cpu_bf16_note(device)}); teacher '
              f'{args.teacher_dtype or "as the student"}, channels_last '
              f'{bool(args.channels_last or cfg.model.get("channels_last"))}')
    if device.type == 'cpu' and os.environ.get('GLIBC_TUNABLES'):
        header += f"\nGLIBC_TUNABLES={os.environ['GLIBC_TUNABLES']}"
    return res, steps.get(key('baseline', precs[0])), memory, \
        header + '\n\n' + format_table(res, base, memory)


def _cpu_bf16_note(device) -> str:
    """Whether this device runs bf16 natively (the header says it)."""
    from mmmultimix.models.utils import fast_bf16
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    isa = torch.backends.cpu.get_cpu_capability()
    return f'CPU {isa}, native bf16 {fast_bf16(device)}'


def run_sweep(cfg, args, device, argv, base_step, base_memory):
    """Throughput (and memory) of MultiMix and dense MultiMix vs ``n``."""
    steps = {'baseline': base_step} if base_step is not None else {}
    for n in args.n_sweep:
        for kind in ('multimix', 'dense'):
            steps[f'{kind} n={n}'] = variant_step(cfg, args, device, kind, n)
    sweep = time_variants(steps, args.reps, args.warmup, args.batch_size)
    memory = {}
    if args.memory:
        memory = measure_memory(
            {k: v for k, v in steps.items() if k != 'baseline'}, args,
            device, argv)
        memory['baseline'] = base_memory
    base = 'baseline' if 'baseline' in sweep else next(iter(sweep))
    return sweep, ('\n\nThroughput vs n:\n\n'
                   + format_table(sweep, base, memory))


def plot_sweep(sweep, n_values, path) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    b = sweep.get('baseline', {}).get('img_s')
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for kind in ('multimix', 'dense'):
        ys = [sweep[f'{kind} n={n}']['img_s'] / (b or 1.0) for n in n_values]
        ax.plot(n_values, ys, marker='o', label=kind)
    ax.set_xscale('log')
    ax.set_xlabel('n (interpolated tuples)')
    ax.set_ylabel('median img/s / no mixup' if b else 'img/s')
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def quiet_logs() -> None:
    """mmengine logs every parameter's initialisation at INFO: keep
    warnings only."""
    import logging

    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel(logging.WARNING)
