"""Does a reduced-precision teacher change the student? Paired evidence.

Trains the distillation rows of a config family (``+ distil``,
``+ dense + distil``) with ``model.distill.teacher_dtype`` = fp32 and the
reduced dtype on the same seeds (everything else identical), evaluates the
student on the test set, and prints the paired differences of top-1 with
95 % t-intervals (``mmmultimix.studies.teacher_precision``). Runs are Ray
tasks cached in ``<out>/runs.json``::

    python tools/analysis/teacher_precision.py --out docs/teacher_precision
    python tools/analysis/teacher_precision.py --dtype bf16 --jobs 2 \\
        --config-family digits --seeds 0 1 2 3 4

A bf16 teacher is fast only where the device runs bf16 natively (CUDA with
bf16, CPUs with AVX512-BF16 / AMX); elsewhere torch emulates it and the
study is slow but its numbers are still the numbers of a bf16 teacher.
"""
import argparse
import os.path as osp
import sys


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--config-family', default='digits')
    p.add_argument('--dtype', default='bf16', choices=('bf16', 'fp16'))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2, 3, 4])
    p.add_argument('--jobs', type=int, default=1,
                   help='runs at a time (the table header states it)')
    p.add_argument('--address', default=None,
                   help='a running Ray cluster (default: this machine)')
    p.add_argument('--report-only', action='store_true',
                   help='the table from the cached runs, train nothing')
    p.add_argument('--out', default=osp.join('docs', 'teacher_precision'))
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error(f'--jobs must be >= 1, got {args.jobs}')
    from mmmultimix.studies.teacher_precision import run_teacher_precision
    failures = []
    run_teacher_precision(args.out, args.config_family, args.seeds,
                          args.dtype, args.jobs, args.report_only,
                          args.address, failures)
    if failures:
        sys.exit(f'{len(failures)} run(s) failed: see above')


if __name__ == '__main__':
    main()
