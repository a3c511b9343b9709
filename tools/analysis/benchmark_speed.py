"""Training-step throughput of every mixing variant, as ratios to no mixup.

Times full training steps (forward, backward, optimizer step) of the real
model built from a config, on synthetic batches, with interleaved
repetitions after warm-up, and reports the median (and spread) of images/s
and each variant's ratio to the no-mixup baseline measured in the same run.
MultiMix variants are timed on their MultiMix branch (``prob=1``), which is
what a MultiMix step costs; with ``prob=0.5`` half the steps are plain input
mixup. ``--precision fp32 bf16`` (``model.precision``, student and teacher;
``auto`` resolved on the device) times every variant in each precision in
the same interleaved rounds: each variant's ratio is to the no-mixup step of
its own precision, and ``× fp32`` is its step time in fp32 over its step
time in that precision. ``--n-sweep`` adds the throughput of MultiMix and dense MultiMix as a
function of ``n`` (Fig. 5), written as a table and, with ``--plot``, a PNG.

On CPU the tool re-runs itself with ``GLIBC_TUNABLES`` that keep freed
memory in the heap (``MALLOC_TUNING``; ``--no-malloc-tuning`` to opt out):
otherwise page faults on freshly mapped activations make CPU step times vary
by ±10 %. CPU peak memory is measured in a fresh process per variant whose
allocator unmaps every freed buffer above 128 kB (``MEMORY_TUNING``), so
that its peak RSS follows the live tensors.

Example (the README numbers)::

    python tools/analysis/benchmark_speed.py \\
        configs/multimix/r18_cifar100_baseline.py --batch-size 128 \\
        --img-size 32 --reps 12 --n-sweep 10 100 1000 10000 --memory
"""
import argparse
import copy
import os
import os.path as osp
import statistics
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

import torch  # noqa: E402

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
# what each variant should cost, as a ratio to no mixup (the README's
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
    if loss is not None:
        model_cfg['loss'] = loss
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
        opt.zero_grad(set_to_none=True)
        losses = model.loss(x, samples)
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        opt.step()
        model.update_teacher()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

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


def _rss_mb(field: str) -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f'{field} not in /proc/self/status')


def step_memory(step, device) -> float:
    """Peak memory (MB) of a training step beyond what was allocated before
    it: CUDA ``max_memory_allocated``; on CPU the process's peak RSS (VmHWM,
    reset through /proc/self/clear_refs) minus its RSS before the step."""
    step()  # optimizer state and caches exist from here on
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        step()
        return (torch.cuda.max_memory_allocated(device) - before) / 2**20
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # reset the peak RSS
    before = _rss_mb('VmRSS')
    step()
    peak = _rss_mb('VmHWM') - before
    if peak <= 0.0:
        # the step reused pages this process already held (freed memory kept
        # by the allocator): RSS cannot see its peak, and 0 MB would be wrong
        raise RuntimeError(
            'step_memory: the step raised no peak RSS; measure it in a fresh '
            f'process with GLIBC_TUNABLES={MEMORY_TUNING} '
            '(memory_in_subprocess does)')
    return peak


def memory_in_subprocess(argv, variant, n=None) -> float:
    """CPU peak RSS is per process: measure each variant in a fresh one."""
    import subprocess
    cmd = [sys.executable, osp.abspath(__file__)] + list(argv) + [
        '--child-memory', variant
    ]
    if n is not None:
        cmd += ['--n', str(n)]
    # a fresh process whose allocator maps every buffer above 128 kB on its
    # own and unmaps it when freed (fixed thresholds: glibc's default ones
    # move at run time and make the peak vary by ±50 MB): RSS then follows
    # the live tensors
    env = dict(os.environ, GLIBC_TUNABLES=MEMORY_TUNING)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env=env)
    return float(out.stdout.strip().splitlines()[-1])


def parse_args(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config', nargs='?',
                   default=osp.join(ROOT, 'configs', 'multimix',
                                    'r18_cifar100_baseline.py'))
    p.add_argument('--variants', nargs='+', default=list(VARIANTS),
                   choices=list(VARIANTS))
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--img-size', type=int, default=32)
    p.add_argument('--dense-size', type=int, default=4)
    p.add_argument('--n', type=int, default=1000)
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--n-sweep', nargs='*', type=int, default=[])
    p.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='key=value overrides of the config (mmengine\'s '
                   'syntax, as tools/train.py)')
    p.add_argument('--teacher-dtype', default=None,
                   choices=('fp32', 'bf16', 'fp16', 'auto'),
                   help='model.distill.teacher_dtype of the +distil variants '
                   "(default: the run's precision)")
    p.add_argument('--precision', nargs='+', default=['fp32'],
                   choices=('fp32', 'bf16', 'fp16', 'auto'),
                   help='model.precision (student and teacher); several: '
                   'every variant in each, interleaved in one run')
    p.add_argument('--channels-last', action='store_true',
                   help='model.channels_last=True for every variant')
    p.add_argument('--memory', action='store_true',
                   help='also measure the peak memory of a step per variant')
    p.add_argument('--child-memory', help=argparse.SUPPRESS)
    p.add_argument('--no-malloc-tuning', action='store_true',
                   help='on CPU, time with glibc\'s default malloc settings '
                   '(by default the tool re-runs itself with GLIBC_TUNABLES '
                   'that keep freed memory in the heap; see MALLOC_TUNING)')
    p.add_argument('--verbose', action='store_true',
                   help='keep mmengine\'s per-parameter initialisation logs')
    p.add_argument('--onednn-profile', action='store_true',
                   help='CPU: one step of every variant under oneDNN\'s '
                   'verbose mode; prints time per primitive, implementation '
                   'and source dtype (an fp32 kernel in a bf16 run shows '
                   'as a fallback)')
    p.add_argument('--out', help='write the Markdown tables here')
    p.add_argument('--plot', help='PNG of throughput vs n (with --n-sweep)')
    return p.parse_args(argv)


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


def child_argv(argv):
    return [a for a in (argv if argv is not None else sys.argv[1:])
            if a != '--memory']


def measure_memory(steps, args, device, argv) -> dict:
    """Peak step memory of every timed step: CUDA in this process, CPU in
    a fresh process per variant."""
    memory = {}
    for key, step in steps.items():
        if device.type == 'cuda':
            memory[key] = step_memory(step, device)
        else:
            name, _, n = key.partition(' n=')
            memory[key] = memory_in_subprocess(child_argv(argv), name,
                                               int(n) if n else None)
    return memory


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


def onednn_profile(cfg, args, device) -> str:
    """oneDNN's primitives in one step of every variant and precision
    (after two warm-up steps), summed by kind, implementation and source
    dtype, longest first."""
    import subprocess
    code = ('import sys, torch; sys.argv = sys.argv[1:]; '
            f'sys.path.insert(0, {osp.dirname(osp.abspath(__file__))!r}); '
            'import benchmark_speed as B; B._profile_child()')
    out = subprocess.run(
        [sys.executable, '-c', code, 'x'] + [a for a in sys.argv[1:]
                                              if a != '--onednn-profile'],
        capture_output=True, text=True).stdout
    acc = {}
    for line in out.splitlines():
        f = line.split(',')
        if len(f) < 10 or f[2] != 'primitive' or f[3] != 'exec':
            continue
        src = f[8].split(' ')[0].split(':')
        key = (f[5], f[6], src[1] if len(src) > 1 else '?')
        t, n = acc.get(key, (0.0, 0))
        acc[key] = (t + float(f[-1]), n + 1)
    rows = ['| primitive | implementation | src dtype | calls | ms |',
            '|---|---|---|---|---|']
    for (kind, impl, dt), (t, n) in sorted(acc.items(),
                                           key=lambda kv: -kv[1][0]):
        rows.append(f'| {kind} | {impl} | {dt} | {n} | {t:.2f} |')
    return '\n\noneDNN primitives, one step of each variant:\n\n' + \
        '\n'.join(rows)


def _profile_child():
    from mmengine.config import Config

    import mmmultimix  # noqa: F401
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    quiet_logs()
    device = torch.device('cpu')
    for p in precisions(args, device):
        for name in args.variants:
            step = variant_step(cfg, args, device, name, None, p)
            step()
            step()
            with torch.backends.mkldnn.verbose(
                    torch.backends.mkldnn.VERBOSE_ON):
                step()


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
    return sweep, '\n\nThroughput vs n:\n\n' + format_table(sweep, base,
                                                             memory)


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


def main(argv=None):
    from mmengine.config import Config

    import mmmultimix  # noqa: F401
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if not args.verbose:
        quiet_logs()
    device = torch.device(args.device)
    torch.manual_seed(0)
    if args.child_memory:  # one variant, one fresh process (CPU memory)
        step = variant_step(cfg, args, device, args.child_memory)
        print(step_memory(step, device))
        return None, None
    res, base_step, memory, text = run_variants(cfg, args, device, argv)
    if args.onednn_profile and device.type == 'cpu':
        text += onednn_profile(cfg, args, device)
    sweep = {}
    if args.n_sweep:
        sweep, sweep_text = run_sweep(cfg, args, device, argv, base_step,
                                      memory.get('baseline'))
        text += sweep_text
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    if args.plot and sweep:
        plot_sweep(sweep, args.n_sweep, args.plot)
    return res, sweep


# glibc returns every freed activation buffer above its mmap threshold to
# the kernel, so each step page-faults hundreds of MB of fresh memory: on CPU
# that costs ~15 % and makes step times vary by ±10 %, more than the
# differences being measured. Timing runs keep freed memory in the heap.
MALLOC_TUNING = ('glibc.malloc.mmap_threshold=4294967296:'
                 'glibc.malloc.trim_threshold=17179869184')


MEMORY_TUNING = ('glibc.malloc.mmap_threshold=131072:'
                 'glibc.malloc.trim_threshold=131072')


def _reexec_with_malloc_tuning(argv) -> None:
    if os.environ.get('GLIBC_TUNABLES') or '--no-malloc-tuning' in argv or \
            '--child-memory' in argv or not sys.platform.startswith('linux'):
        return
    if any(a.startswith('cuda') for a in argv) or (
            torch.cuda.is_available() and '--device' not in argv):
        return
    env = dict(os.environ, GLIBC_TUNABLES=MALLOC_TUNING)
    os.execve(sys.executable, [sys.executable, osp.abspath(__file__)] +
              list(argv), env)


if __name__ == '__main__':
    _reexec_with_malloc_tuning(sys.argv[1:])
    main()
