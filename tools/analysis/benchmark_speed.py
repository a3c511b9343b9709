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
time in that precision. ``--n-sweep`` adds the throughput of MultiMix and
dense MultiMix as a function of ``n`` (Fig. 5), written as a table and,
with ``--plot``, a PNG.

On CPU the tool re-runs itself with ``GLIBC_TUNABLES`` that keep freed
memory in the heap (``MALLOC_TUNING``; ``--no-malloc-tuning`` to opt out):
otherwise page faults on freshly mapped activations make CPU step times vary
by ±10 %. CPU peak memory is measured in a fresh process per variant whose
allocator unmaps every freed buffer above 128 kB (``MEMORY_TUNING``), so
that its peak RSS follows the live tensors.

The library lives in ``mmmultimix.benchmark``; ``python -m
mmmultimix.benchmark`` is the same command. Example (docs/performance.md's
numbers)::

    python tools/analysis/benchmark_speed.py \\
        configs/multimix/r18_cifar100_baseline.py --batch-size 128 \\
        --img-size 32 --reps 12 --n-sweep 10 100 1000 10000 --memory
"""
import sys

if __name__ == '__main__':
    from mmmultimix.benchmark.cli import run
    run(sys.argv[1:])
