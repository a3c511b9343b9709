"""Does a reduced-precision teacher change the student? Paired evidence.

Trains the distillation rows of a config family (``+ distil``,
``+ dense + distil``) with ``model.distill.teacher_dtype`` = fp32 and the
reduced dtype on the same seeds (everything else identical), evaluates the
student on the test set, and prints the paired differences of top-1 with
95 % t-intervals (issue 18). Runs are cached in ``<out>/runs.json``::

    python tools/analysis/teacher_precision.py --out docs/teacher_precision
    python tools/analysis/teacher_precision.py --dtype bf16 --jobs 2 \\
        --config-family digits --seeds 0 1 2 3 4

A bf16 teacher is fast only where the device runs bf16 natively (CUDA with
bf16, CPUs with AVX512-BF16 / AMX); elsewhere torch emulates it and the
study is slow but its numbers are still the numbers of a bf16 teacher.
"""
import argparse
import os.path as osp
import statistics
import sys

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, HERE)

import reproduce as R  # noqa: E402
from study_fashion import paired, verdict  # noqa: E402

ROWS = ('distil', 'dense_distil')


def jobs(family, seeds, dtype):
    return {(row, dt, s): (f'{family}_{row}',
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
        md.append(f'| {row} | {statistics.mean(a):.2f} ± '
                  f'{statistics.stdev(a) if len(a) > 1 else 0:.2f} | '
                  f'{statistics.mean(b):.2f} ± '
                  f'{statistics.stdev(b) if len(b) > 1 else 0:.2f} | '
                  f'{mean:+.2f} [{lo:+.2f}, {hi:+.2f}] (seed std '
                  f'{sd:.2f}) | {v} |')
    return '\n'.join(md)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config-family', default='digits')
    p.add_argument('--dtype', default='bf16', choices=('bf16', 'fp16'))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2, 3, 4])
    p.add_argument('--jobs', type=int, default=1)
    p.add_argument('--out', default=osp.join('docs', 'teacher_precision'))
    args = p.parse_args(argv)
    spec = jobs(args.config_family, args.seeds, args.dtype)
    results = R.load_cache(args.out)
    keyed = {R.job_key(j): j for j in spec.values()}
    R.execute(keyed, results, args.out, args.jobs)
    named = {k: results[R.job_key(j)] for k, j in spec.items()}
    md = (f'# Teacher precision: {args.config_family}, seeds {args.seeds}, '
          f'{args.jobs} run(s) at a time\n\n' +
          table(named, args.seeds, args.dtype) + '\n')
    with open(osp.join(args.out, 'teacher_precision.md'), 'w') as f:
        f.write(md)
    print(md)


if __name__ == '__main__':
    main()
