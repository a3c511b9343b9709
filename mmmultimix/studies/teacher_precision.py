"""Does a reduced-precision teacher change the student? Paired evidence
(issue 18): the distillation rows of a config family (``+ distil``,
``+ dense + distil``) with ``model.distill.teacher_dtype`` = fp32 and a
reduced dtype on the same seeds, everything else identical; the paired
differences of top-1 with 95 % t-intervals. ``tools/analysis/
teacher_precision.py`` is the command."""
import statistics

from .engine import execute
from .records import Job, load_cache
from .stats import fmt, paired, verdict

__all__ = ['jobs', 'table', 'run_teacher_precision']

ROWS = ('distil', 'dense_distil')


def jobs(family, seeds, dtype):
    return {(row, dt, s): Job(f'{family}_{row}',
                              {'model.distill.teacher_dtype': dt}, s, None, 0,
                              False)
            for row in ROWS for dt in ('fp32', dtype) for s in seeds}


def table(results, seeds, dtype) -> str:
    md = [f'| row | fp32 teacher | {dtype} teacher | {dtype} − fp32 '
          '(paired, 95 % interval) | verdict |', '|---|---|---|---|---|']
    for row in ROWS:
        a = [results[(row, 'fp32', s)]['acc'] for s in seeds]
        b = [results[(row, dtype, s)]['acc'] for s in seeds]
        mean, lo, hi = paired(b, a)
        sd = max(statistics.stdev(a), statistics.stdev(b)) \
            if len(seeds) > 1 else 0.0
        v = verdict(lo, hi)
        v = {'holds': f'{dtype} better', 'does not hold': f'{dtype} worse',
             'cannot tell at this power': 'no difference detected'}[v]
        md.append(f'| {row} | {fmt(a)} | {fmt(b)} | {mean:+.2f} '
                  f'[{lo:+.2f}, {hi:+.2f}] (seed std {sd:.2f}) | {v} |')
    return '\n'.join(md)


def run_teacher_precision(out: str, config_family: str, seeds, dtype: str,
                          n_jobs: int = 1, report_only: bool = False,
                          address: str = None, failures=None) -> str:
    """Trains what is missing (``n_jobs`` at a time; none with
    ``report_only``) and writes ``<out>/teacher_precision.md``; returns its
    text."""
    import os.path as osp
    spec = jobs(config_family, seeds, dtype)
    results = load_cache(out)
    keys = {k: j.key for k, j in spec.items()}
    execute({keys[k]: j for k, j in spec.items()}, results, out, n_jobs,
            train=not report_only, address=address, failures=failures)
    missing = [k for k in spec if keys[k] not in results]
    if missing:
        print(f'{len(missing)} run(s) missing: no table yet')
        return ''
    named = {k: results[keys[k]] for k in spec}
    md = (f'# Teacher precision: {config_family}, seeds {seeds}, '
          f'{n_jobs} run(s) at a time\n\n' +
          table(named, seeds, dtype) + '\n')
    with open(osp.join(out, 'teacher_precision.md'), 'w') as f:
        f.write(md)
    print(md)
    return md
