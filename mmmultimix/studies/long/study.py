"""``reproduce.py --study long``: the long-schedule Fashion-MNIST study's
plan (:mod:`.plan`) run by the engine (:mod:`..engine`), then its report
(:mod:`.report`)."""
import json

from ..engine import execute
from ..records import load_cache, merge_records, write_cache
from .plan import (device_tag, estimate_min, job, key_of, ms_per_step, plan,
                   print_plan, select)
from .report import write_report
from .settings import SETTINGS, SMOKE

__all__ = ['merge', 'run_long']


def merge(results: dict, path: str) -> int:
    """Adds the records of another cache (e.g. a device run's
    ``runs.json``) whose keys are missing; returns how many."""
    with open(path) as f:
        return merge_records(results, json.load(f))


def run_long(out: str, part: str = 'required', smoke: bool = False,
             jobs: int = 1, report_only: bool = False,
             plan_only: bool = False, rows=None, seeds=None, epochs=None,
             groups=None, merge_from=(), address: str = None,
             gpus: float = None, failures: list = None):
    """Prints the plan (its ``part``; ``rows`` / ``seeds`` / ``epochs`` /
    ``groups`` slice it), trains what is missing into ``<out>`` (``jobs``
    at a time; none with ``plan_only`` or ``report_only``) and writes the
    report. ``merge_from``: other caches' ``runs.json`` (a device run)
    whose records are added first. ``smoke``: the tiny settings."""
    st = dict(SMOKE if smoke else SETTINGS)
    results = load_cache(out)
    for path in merge_from or ():
        print(f'merged {merge(results, path)} records from {path}')
        write_cache(out, results)
    tag = device_tag()
    entries = select(plan(st, part), rows, seeds, epochs, groups)
    print_plan(entries, results, st, tag)
    if plan_only:
        return None
    todo, costs = {}, {}
    measured = ms_per_step(results)
    for group, row, seed, n_epochs in entries:
        j = job(row, seed, n_epochs, st, group)
        k = key_of(j, tag)
        todo[k] = j
        costs[k] = estimate_min(row, n_epochs, measured, st, group)
    execute(todo, results, out, jobs, train=not report_only,
            cost=lambda j: costs[key_of(j, tag)], address=address,
            gpus=gpus, failures=failures)
    return write_report(results, st, out)
