"""oneDNN's primitives in one training step of every variant (CPU): time
per primitive kind, implementation and source dtype (an fp32 kernel in a
bf16 run shows as a fallback)."""
import subprocess
import sys

import torch

__all__ = ['onednn_profile', 'profile_child']


def onednn_profile(argv) -> str:
    """oneDNN's primitives in one step of every variant and precision
    (after two warm-up steps), summed by kind, implementation and source
    dtype, longest first."""
    out = subprocess.run(
        [sys.executable, '-m', 'mmmultimix.benchmark', '--onednn-child'] +
        [a for a in argv if a != '--onednn-profile'],
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


def profile_child(cfg, args) -> None:
    """The child of :func:`onednn_profile`: two warm-up steps, then one
    under oneDNN's verbose mode, per variant and precision."""
    from .speed import precisions, variant_step
    device = torch.device('cpu')
    for p in precisions(args, device):
        for name in args.variants:
            step = variant_step(cfg, args, device, name, None, p)
            step()
            step()
            with torch.backends.mkldnn.verbose(
                    torch.backends.mkldnn.VERBOSE_ON):
                step()
