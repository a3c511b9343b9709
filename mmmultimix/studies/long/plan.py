"""The long study's plan: every run as ``(group, row, seed, epochs)``
(each part's entries come from its module), its :class:`~..records.Job`,
the selection the command line makes, and the estimated cost from the
step times the cache measured."""
from ..records import Job
from .axes import axes_plan
from .data_epochs import data_epochs_plan
from .precision import precision_plan
from .settings import (BASE_CHANNELS, DEFAULT_MS, FAMILY, SETTINGS, cell_of,
                       distils, precision_of, steps)
from .sweep import sweep_plan


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
    if distils(row):
        opts['model.distill.momentum'] = st['distil_momentum']
    precision = precision_of(group, st)
    if precision != 'fp32':
        opts['model.precision'] = precision
    return Job(f'{FAMILY}_{row}', opts, seed, epochs, st['robust_n'], True)


def plan(st=SETTINGS, part='required'):
    """``[(group, row, seed, epochs)]`` in run order: seed by seed, the
    required groups first; ``part='all'`` appends ``more`` and the other
    parts."""
    parts = dict(axes=axes_plan, precision=precision_plan,
                 data_epochs=data_epochs_plan)
    if part in parts:
        return parts[part](st)
    if part not in ('required', 'all'):
        raise ValueError("part must be 'required', 'axes', 'precision', "
                         f"'data_epochs' or 'all', got {part!r}")
    out = sweep_plan(st, more=part == 'all')
    if part == 'all':
        out += axes_plan(st) + precision_plan(st) + data_epochs_plan(st)
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
            'distil' if distils(row) else 'default']))
        ms *= cell['base'] / BASE_CHANNELS
    return ms * steps(epochs, st, st['npc'] * cell['npc_x']) / 60000.0


def device_tag() -> str:
    """``''`` on CPU, ``'@cuda'`` where the runs train on a GPU: part of
    the cache key, so that a device's runs never stand in for another's
    (each device's records form their own table cells)."""
    import torch
    return '@cuda' if torch.cuda.is_available() else ''


def key_of(j: Job, tag: str = '') -> str:
    return j.key + tag


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
        n_steps = steps(epochs, st, st['npc'] * cell_of(group)['npc_x'])
        lines.append(f'{group:11} {row:20} {seed:4d} {epochs:6d} '
                     f'{n_steps:6d} {est:8.1f}  '
                     f'{"cached" if cached else "to do"}')
    lines.append(f'{len(entries)} runs, {n_done} cached (they took '
                 f'{done_s / 3600:.1f} core-hours); {todo_min:.0f} '
                 f'core-minutes to do ({todo_min / 60:.1f} core-hours)')
    print('\n'.join(lines), flush=True)
    return todo_min
