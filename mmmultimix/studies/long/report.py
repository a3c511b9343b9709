"""The long study's report (``<out>/long.md``): read from the cache alone
(every record is self-describing), written from a partial cache with the
missing cells marked missing. Cells never mix devices: records are grouped
by ``meta.device`` and each device gets its own tables. Each part's module
writes its section; this one the settings and the assembly."""
import os.path as osp

from ..records import ROOT, cells
from .axes import axes_section
from .data_epochs import data_epochs_section
from .precision import precision_section
from .settings import steps as schedule_steps
from .sweep import plot, sweep_section


def _config_settings() -> str:
    """The paper's settings as the family's configs hold them."""
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'demo', 'fashion_multimix.py'))
    gamma = Config.fromfile(osp.join(
        ROOT, 'configs', 'demo', 'fashion_dense_distil.py')).model.distill
    mix, opt = cfg.model.mixer, cfg.optim_wrapper.optimizer
    crop = cfg.train_dataloader.collate_fn
    lo, hi = mix.alpha
    return (f'{cfg.train_dataloader.batch_size}, {mix.n}, U[{lo}, {hi}], '
            f'{mix.prob}, {gamma.gamma}, {opt.lr}, {opt.momentum}, '
            f'{opt.weight_decay:g}, random crop {crop.crop_size} (padding '
            f'{crop.padding}) + flip ({crop.flip_prob})')


def settings_table(st: dict) -> str:
    """What every run of the study shares, from the study's settings."""
    sched = ', '.join(f'{e} ({schedule_steps(e, st):,})'
                      for e in st['sweep'])
    m = st['distil_momentum']
    rows = [
        ('training images', f'{10 * st["npc"]} ({st["npc"]} per class, the '
         'seeded nested subset of the 55,000 training split)', 'fixed'),
        ('schedules, epochs (SGD steps)', f'sweep {sched}; other rows '
         f'{st["long"]} ({schedule_steps(st["long"], st):,}); beyond '
         f'{st["longest"]} ({schedule_steps(st["longest"], st):,})',
         'fixed'),
        ('learning-rate schedule', 'step: lr / 10 at 1/2 and 3/4 of each '
         'length', 'scaled to each length'),
        ('seeds', f'{len(st["seeds"])} for the sweep, '
         f'{st["best_seeds"]} required for the best rows', 'fixed'),
        ('EMA momentum of the teachers (distil rows)', f'{m} (decay '
         f'{1 - m:g})', "the paper's, at this length"),
        ('m, n, α, p, γ, lr, momentum, weight decay, augmentation',
         _config_settings(), "the paper's (read from `configs/demo/"
         'fashion_multimix.py`, `fashion_dense_distil.py`)'),
        ('FGSM / PGD', f'on the first {st["robust_n"]} test images',
         'fixed'),
        ('precision', f'{st.get("precision", "fp32")} (every run but the '
         'precision part\'s, which trains each row in fp32 and bf16 at '
         f'{st["precision_steps"]:,} steps); the interpolation maths in '
         'fp32 always', 'recorded per run (`meta.precision`)'),
        ('test set', 'the official 10,000 images: reported, never used to '
         'choose', '—'),
    ]
    md = ['| setting | value | how |', '|---|---|---|']
    md += [f'| {a} | {b} | {c} |' for a, b, c in rows]
    return '\n'.join(md)


def write_report(results: dict, st: dict, out: str) -> str:
    """``<out>/long.md`` (and ``long_<device>.png``) from the cache."""
    by_dev = cells(results, st['npc'])
    md = ['# Long schedules on Fashion-MNIST: does MultiMix overtake input '
          'mixup?\n']
    md += ['## Settings\n', settings_table(st), '']
    if not by_dev:
        md.append('No run of this study is cached yet.\n')
    for device in sorted(by_dev):
        png = f'long_{"cpu" if device == "cpu" else "gpu"}.png'
        drawn = plot(by_dev[device], st, osp.join(out, png),
                     f'Fashion-MNIST, {10 * st["npc"]} images ({device})')
        md += sweep_section(by_dev[device], st, device, png, drawn)
    md += axes_section(results, st, out)
    md += data_epochs_section(results, st, out)
    md += precision_section(results, st)
    text = '\n'.join(md)
    with open(osp.join(out, 'long.md'), 'w') as f:
        f.write(text)
    print(text)
    return text
