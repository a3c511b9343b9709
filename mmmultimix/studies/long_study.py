"""``reproduce.py --study long``: the long-schedule Fashion-MNIST study's
plan (:mod:`.long_plan`) run by the engine (:mod:`.engine`), then its
report (:mod:`.long_report`)."""
import json

from .engine import execute
from .long_plan import (SETTINGS, SMOKE, device_tag, estimate_min, job,
                        key_of, ms_per_step, plan, print_plan, select)
from .long_report import write_report
from .records import load_cache, merge_records, write_cache

__all__ = ['merge', 'run_long']


def merge(results: dict, path: str) -> int:
    """Adds the records of another cache (e.g. a device run's
    ``runs.json``) whose keys are missing; returns how many."""
    with open(path) as f:
        return merge_records(results, json.load(f))


def run_long(args, failures=None):
    """Prints the plan, trains what is missing (unless ``--plan`` or
    ``--report-only``), writes the report. ``--merge PATH`` first adds
    another cache's records (a device run)."""
    st = dict(SMOKE if args.smoke else SETTINGS)
    results = load_cache(args.out)
    for path in getattr(args, 'merge', None) or ():
        print(f'merged {merge(results, path)} records from {path}')
        write_cache(args.out, results)
    tag = device_tag()
    entries = select(plan(st, args.part), getattr(args, 'rows', None),
                     getattr(args, 'seeds', None),
                     getattr(args, 'epochs', None),
                     getattr(args, 'groups', None))
    print_plan(entries, results, st, tag)
    if args.plan:
        return None
    jobs, costs = {}, {}
    measured = ms_per_step(results)
    for group, row, seed, epochs in entries:
        j = job(row, seed, epochs, st, group)
        k = key_of(j, tag)
        jobs[k] = j
        costs[k] = estimate_min(row, epochs, measured, st, group)
    execute(jobs, results, args.out, args.jobs, train=not args.report_only,
            cost=lambda j: costs[key_of(j, tag)],
            address=getattr(args, 'address', None),
            gpus=getattr(args, 'gpus', None), failures=failures)
    return write_report(results, st, args.out)
