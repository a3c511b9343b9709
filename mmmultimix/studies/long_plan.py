"""The long-schedule Fashion-MNIST study (``reproduce.py --study long``):
does MultiMix overtake input mixup when training is long enough, after how
many SGD steps, and what do the dense loss and self-distillation add there?

CPU-sized family ``configs/demo/fashion_*`` on the seeded nested subset of
``SETTINGS['npc']`` images per class (1,000 images: 8 SGD steps an epoch at
m = 128), the paper's settings otherwise; the step schedule is scaled to
each length (lr / 10 at 1/2 and 3/4 of training). Nothing is chosen on the
test set: every schedule is reported.

The plan (``--plan`` prints it with estimated core-minutes):

* ``sweep`` (required): input mixup and MultiMix at ``SETTINGS['sweep']``
  epochs (800, 2,000, 8,000 steps), 5 seeds;
* ``best`` (required): + dense + distil and input mixup + distil at
  ``SETTINGS['long']`` epochs, seeds 0–2 (3–4 in ``more``); the teachers use
  the paper's EMA momentum 0.001 (decay 0.999) at this length;
* ``more`` (budget permitting; the device path runs it in full): every other
  row at ``SETTINGS['long']`` epochs, the ``best`` rows' seeds 3–4, and
  both sweep methods at ``SETTINGS['longest']`` epochs (16,000 steps, the
  paper's 2000 epochs of CIFAR).
* ``axes`` (issue 33, ``--part axes``; ``all`` includes it): input mixup and
  MultiMix at ``SETTINGS['axes_steps']`` SGD steps on the two axes toward
  the paper's regime, paired by seed: ``width`` (1/4 width, base 16: a
  128-dimensional embedding, same 1,000 images), ``data`` (1/8 width on
  5,000 images, 500 per class as CIFAR-100) and ``width_data`` (both;
  ``SETTINGS['width_data_seeds']`` seeds), each beside its reference
  ``ref`` (1/8 width, 1,000 images: the sweep's runs at that length).
* ``data_epochs`` (issue 43, ``--part data_epochs``; ``all`` includes it):
  the ``data`` cell (1/8 width, 5,000 images) at ``SETTINGS['data_epochs']``
  epochs (16,000 and 40,000 SGD steps), paired by seed, all seeds of the
  shorter length first: the data axis read at matched epochs (the axes
  part compares at matched SGD steps, 200 epochs on 5,000 images).
* ``precision`` (issue 32, ``--part precision``; ``all`` includes it):
  input mixup, MultiMix and + dense + distil at ``SETTINGS['precision_steps']``
  SGD steps, 5 seeds, each in fp32 (group ``fp32``) and bf16 (group
  ``bf16``), paired by seed (same seeds, same data order): evidence that
  bf16 changes nothing but time.

A run's precision is part of its record (``meta.precision``) and, where it
is not fp32, of its key (``model.precision`` among its options):
``SETTINGS['precision']`` is that of the required and more parts (fp32, as
their seeds so far), ``SETTINGS['axes_precision']`` that of the axes part
(``'auto'``, resolved on the machine that plans: bf16 where native, so its
reference cell is rerun in bf16 there); records of different precision are
different cells.

Runs go seed by seed (all of a seed's required runs before the next seed's),
so that a partial cache already pairs its cells. Records and cache keys are
those of :mod:`.records`; :mod:`.long_study` runs the plan and
:mod:`.long_report` writes the report from whatever is cached, missing
cells marked missing.
"""
import os.path as osp

from .records import ROOT, Job, job_key

FAMILY = 'fashion'
SETTINGS = dict(
    npc=100,  # images per class: 1,000 training images, 8 steps an epoch
    sweep=(100, 250, 1000),  # epochs: 800, 2,000, 8,000 SGD steps
    long=1000,  # the long schedule of the other rows
    longest=2000,  # 16,000 steps (``more``)
    seeds=(0, 1, 2, 3, 4),
    best_seeds=3,  # seeds of the ``best`` rows that are required
    robust_n=500,  # FGSM / PGD on the first 500 test images
    distil_momentum=0.001,  # the paper's EMA momentum (decay 0.999)
    axes_steps=8000,  # SGD steps of every cell of the axes part
    width_data_seeds=3,  # seeds of the width_data cell (budget)
    precision='fp32',  # of the required and more parts (their seeds so far)
    # the axes part's cells (new, issue 33): bf16 where it is native, once
    # the precision part showed no difference (issue 32)
    axes_precision='auto',
    precision_steps=2000,  # SGD steps of the precision part
    # the data cell at matched epochs (issue 43): 400 and 1,000 epochs on
    # 5,000 images (16,000 and 40,000 SGD steps)
    data_epochs=(400, 1000))
SMOKE = dict(npc=2, sweep=(1, 2), long=2, longest=3, seeds=(0, 1),
             best_seeds=1, robust_n=8, distil_momentum=0.001, axes_steps=6,
             width_data_seeds=1, precision='fp32', axes_precision='auto',
             precision_steps=4, data_epochs=(2, ))
PRECISION_ROWS = ('input_mixup', 'multimix', 'dense_distil')
PRECISION_GROUPS = ('fp32', 'bf16')
# the axes' cells (issue 33): backbone base channels (the embedding is 8 x
# base) and images per class, as multiples of the study's own (``npc``), so
# that the smoke plan scales with it
BASE_CHANNELS = 8
CELLS = dict(ref=dict(base=8, npc_x=1), width=dict(base=16, npc_x=1),
             data=dict(base=8, npc_x=5), width_data=dict(base=16, npc_x=5))
# plan groups that train an axes cell at other lengths: group -> cell
CELL_OF_GROUP = dict(data_epochs='data')
STEPS_PER_EPOCH = 8  # ceil(1000 / 128)
SWEEP_ROWS = ('input_mixup', 'multimix')
AXES_ROWS = SWEEP_ROWS
BEST_ROWS = ('dense_distil', 'input_mixup_distil')
OTHER_ROWS = ('baseline', 'manifold_mixup', 'cutmix', 'dense', 'distil')
# the paper's baselines, planned once their configs exist (issue 24)
BASELINE_ROWS = ('alignmixup', 'zeta_mixup', 'puzzlemix', 'saliencymix')
NAMES = dict(baseline='no mixup', input_mixup='input mixup',
             manifold_mixup='manifold mixup', cutmix='CutMix',
             multimix='MultiMix', dense='+ dense', distil='+ distil',
             dense_distil='+ dense + distil',
             input_mixup_distil='input mixup + distil',
             alignmixup='AlignMixup', zeta_mixup='ζ-Mixup',
             puzzlemix='PuzzleMix', saliencymix='SaliencyMix')
# fallback ms per SGD step (one thread, this 2-core host) for the plan's
# estimate when the cache holds no run of the row yet; measured runs replace
# them. PuzzleMix (its saliency pass, graph cuts and transports in the
# training process): ~390 ms per fp32 step (AMD EPYC, its three runs'
# train time over their steps, since the transport's index form; ~1,000 ms
# before)
DEFAULT_MS = dict(default=230.0, distil=400.0, puzzlemix=390.0)


def _distils(row: str) -> bool:
    return 'distil' in row


def cell_of(group: str) -> dict:
    """``{'base', 'npc_x'}`` of a plan group (the axes' cells; every other
    group trains the reference cell: base 8, ``npc`` images per class)."""
    return CELLS.get(CELL_OF_GROUP.get(group, group), CELLS['ref'])


def precision_of(group, st=SETTINGS) -> str:
    """The resolved precision of a group's runs: the precision part's
    own, ``st['axes_precision']`` for the axes part's cells, else
    ``st['precision']`` (``'auto'``: bf16 where this machine's device runs
    it natively)."""
    if group in PRECISION_GROUPS:
        return group
    axes = group in CELLS or group in CELL_OF_GROUP
    name = st.get('axes_precision' if axes else 'precision',
                  'fp32')
    if name != 'auto':
        return name
    import torch

    from mmmultimix.models.utils import resolve_precision
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return resolve_precision(name, dev, 'precision')


def job(row, seed, epochs, st=SETTINGS, group=None) -> Job:
    """One run of the plan (a :class:`~.records.Job`).
    The reference cell's options are those of the runs cached before the
    axes existed (same keys); a wider cell adds the backbone's and the
    head's widths, a larger one its images per class, a precision other
    than fp32 ``model.precision``."""
    cell = cell_of(group)
    opts = {'train_dataloader.dataset.num_per_class': st['npc'] *
            cell['npc_x']}
    if cell['base'] != BASE_CHANNELS:
        opts['model.backbone.base_channels'] = cell['base']
        opts['model.head.in_channels'] = 8 * cell['base']
    if _distils(row):
        opts['model.distill.momentum'] = st['distil_momentum']
    precision = precision_of(group, st)
    if precision != 'fp32':
        opts['model.precision'] = precision
    return Job(f'{FAMILY}_{row}', opts, seed, epochs, st['robust_n'], True)


def axes_epochs(group: str, st=SETTINGS) -> int:
    """Epochs giving the cell ``st['axes_steps']`` SGD steps (at least
    one epoch)."""
    per_epoch = steps(1, st, st['npc'] * cell_of(group)['npc_x'])
    return max(1, st['axes_steps'] // per_epoch)


def _config_exists(row) -> bool:
    return osp.isfile(osp.join(ROOT, 'configs', 'demo', f'{FAMILY}_{row}.py'))


def plan(st=SETTINGS, part='required'):
    """``[(group, row, seed, epochs)]`` in run order: seed by seed, the
    required groups first; ``part='all'`` appends ``more``."""
    out = []
    for s in st['seeds']:
        for e in sorted(st['sweep'], reverse=True):
            out += [('sweep', r, s, e) for r in SWEEP_ROWS]
        if s in st['seeds'][:st['best_seeds']]:
            out += [('best', r, s, st['long']) for r in BEST_ROWS]
    if part == 'axes':
        return axes_plan(st)
    if part == 'precision':
        return precision_plan(st)
    if part == 'data_epochs':
        return data_epochs_plan(st)
    if part == 'all':
        for s in st['seeds']:
            if s not in st['seeds'][:st['best_seeds']]:
                out += [('more', r, s, st['long']) for r in BEST_ROWS]
            rows = OTHER_ROWS + tuple(r for r in BASELINE_ROWS
                                      if _config_exists(r))
            out += [('more', r, s, st['long']) for r in rows]
            out += [('more', r, s, st['longest']) for r in SWEEP_ROWS]
        out += axes_plan(st) + precision_plan(st) + data_epochs_plan(st)
    elif part != 'required':
        raise ValueError("part must be 'required', 'axes', 'precision', "
                         f"'data_epochs' or 'all', got {part!r}")
    return out


def precision_plan(st=SETTINGS):
    """The precision part, seed by seed: every row in fp32 and bf16 at
    ``st['precision_steps']`` SGD steps (1,000 images)."""
    epochs = max(1, st['precision_steps'] // steps(1, st))
    return [(g, r, s, epochs) for s in st['seeds'] for r in PRECISION_ROWS
            for g in PRECISION_GROUPS]


def data_epochs_plan(st=SETTINGS):
    """The data cell at ``st['data_epochs']`` epochs: per length (shorter
    first), seed by seed, both rows."""
    return [('data_epochs', r, s, e) for e in sorted(st['data_epochs'])
            for s in st['seeds'] for r in AXES_ROWS]


def axes_plan(st=SETTINGS):
    """The axes part, seed by seed: each seed's reference, width, data (and
    width_data for the first ``width_data_seeds`` seeds) pairs."""
    out = []
    for i, s in enumerate(st['seeds']):
        groups = ['width', 'data', 'ref']
        if i < st['width_data_seeds']:
            groups.insert(0, 'width_data')
        out += [(g, r, s, axes_epochs(g, st)) for g in groups
                for r in AXES_ROWS]
    return out


def select(entries, rows=None, seeds=None, epochs=None, groups=None):
    """The entries of a plan with these rows, seeds, epochs and groups
    (``None``: any), e.g. to give a core the 16,000-step runs or the axes'
    1/8-width cells; names and values the plan lacks are errors that list
    the plan's."""
    for name, want, col in (('--groups', groups, 0), ('--rows', rows, 1),
                            ('--seeds', seeds, 2),
                            ('--epochs', epochs, 3)):
        if want is None:
            continue
        want = set(want) if isinstance(want, (list, tuple, set)) else {want}
        have = {e[col] for e in entries}
        if not want <= have:
            raise ValueError(
                f'{name} {sorted(want - have)} not in this plan; its '
                f'{name[2:]}: {sorted(have)}')
        entries = [e for e in entries if e[col] in want]
    return entries


def steps(epochs, st=SETTINGS, npc=None) -> int:
    """SGD steps of a schedule: ``ceil(10 · npc / 128)`` an epoch (``npc``:
    the study's own unless given)."""
    return epochs * -(-10 * (npc or st['npc']) // 128)


def ms_per_step(results: dict) -> dict:
    """``{config: ms per SGD step}`` measured by the cached runs (training
    wall time over steps; the mean over runs), for the plan's estimate."""
    acc = {}
    for rec in results.values():
        meta = rec.get('meta')
        if not meta or not meta.get('steps'):
            continue
        base = meta['cfg_options'].get('model.backbone.base_channels',
                                       BASE_CHANNELS)
        acc.setdefault(_speed_key(meta['config'], base), []).append(
            1000.0 * meta['train_s'] / meta['steps'])
    return {k: sum(v) / len(v) for k, v in acc.items()}


def _speed_key(config: str, base: int) -> str:
    return config if base == BASE_CHANNELS else f'{config}/base{base}'


def estimate_min(row, epochs, measured: dict, st=SETTINGS,
                 group=None) -> float:
    """Estimated core-minutes of one run (training only); a wider cell not
    yet measured costs (width ratio)^1 of the reference (measured: 370
    against 171 ms per step at twice the width)."""
    cell = cell_of(group)
    ms = measured.get(_speed_key(f'{FAMILY}_{row}', cell['base']))
    if ms is None:
        ms = measured.get(f'{FAMILY}_{row}', DEFAULT_MS.get(row, DEFAULT_MS[
            'distil' if _distils(row) else 'default']))
        ms *= cell['base'] / BASE_CHANNELS
    return ms * steps(epochs, st, st['npc'] * cell['npc_x']) / 60000.0


def device_tag() -> str:
    """``''`` on CPU, ``'@cuda'`` where the runs train on a GPU: part of
    the cache key, so that a device's runs never stand in for another's
    (each device's records form their own table cells)."""
    import torch
    return '@cuda' if torch.cuda.is_available() else ''


def key_of(j, tag: str = '') -> str:
    return job_key(j) + tag


def print_plan(entries, results, st=SETTINGS, tag=''):
    """One line per run: group, row, seed, epochs, steps, estimated
    core-minutes, cached or not; totals at the end."""
    measured = ms_per_step(results)
    todo_min = 0.0
    lines = [f'{"group":11} {"row":20} {"seed":>4} {"epochs":>6} '
             f'{"steps":>6} {"core-min":>8}  state']
    n_done, done_s = 0, 0.0
    for group, row, seed, epochs in entries:
        rec = results.get(key_of(job(row, seed, epochs, st, group), tag))
        cached = rec is not None
        n_done += cached
        done_s += rec.get('meta', {}).get('wall_s', 0.0) if cached else 0.0
        est = estimate_min(row, epochs, measured, st, group)
        todo_min += 0 if cached else est
        lines.append(f'{group:11} {row:20} {seed:4d} {epochs:6d} '
                     f'{steps(epochs, st, st["npc"] * cell_of(group)["npc_x"]):6d} '
                     f'{est:8.1f}  '
                     f'{"cached" if cached else "to do"}')
    lines.append(f'{len(entries)} runs, {n_done} cached (they took '
                 f'{done_s / 3600:.1f} core-hours); {todo_min:.0f} '
                 f'core-minutes to do ({todo_min / 60:.1f} core-hours)')
    print('\n'.join(lines), flush=True)
    return todo_min
