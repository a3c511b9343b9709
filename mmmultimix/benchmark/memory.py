"""Peak memory of a training step (CPU: peak RSS in a fresh process per
variant; CUDA: the allocator's peak) and the malloc settings the timing
runs use on CPU."""
import os
import subprocess
import sys

import torch

__all__ = ['MALLOC_TUNING', 'MEMORY_TUNING', 'step_memory',
           'memory_in_subprocess', 'measure_memory', 'child_argv',
           'reexec_with_malloc_tuning']

# glibc returns every freed activation buffer above its mmap threshold to
# the kernel, so each step page-faults hundreds of MB of fresh memory: on CPU
# that costs ~15 % and makes step times vary by ±10 %, more than the
# differences being measured. Timing runs keep freed memory in the heap.
MALLOC_TUNING = ('glibc.malloc.mmap_threshold=4294967296:'
                 'glibc.malloc.trim_threshold=17179869184')


MEMORY_TUNING = ('glibc.malloc.mmap_threshold=131072:'
                 'glibc.malloc.trim_threshold=131072')


def _rss_mb(field: str) -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f'{field} not in /proc/self/status')


def step_memory(step, device) -> float:
    """Peak memory (MB) of a training step beyond what was allocated before
    it: CUDA ``max_memory_allocated``; on CPU the process's peak RSS (VmHWM,
    reset through /proc/self/clear_refs) minus its RSS before the step."""
    step()  # optimizer state and caches exist from here on
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        step()
        return (torch.cuda.max_memory_allocated(device) - before) / 2**20
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # reset the peak RSS
    before = _rss_mb('VmRSS')
    step()
    peak = _rss_mb('VmHWM') - before
    if peak <= 0.0:
        # the step reused pages this process already held (freed memory kept
        # by the allocator): RSS cannot see its peak, and 0 MB would be wrong
        raise RuntimeError(
            'step_memory: the step raised no peak RSS; measure it in a fresh '
            f'process with GLIBC_TUNABLES={MEMORY_TUNING} '
            '(memory_in_subprocess does)')
    return peak


def memory_in_subprocess(argv, variant, n=None) -> float:
    """CPU peak RSS is per process: measure each variant in a fresh one."""
    cmd = [sys.executable, '-m', 'mmmultimix.benchmark'] + list(argv) + [
        '--child-memory', variant
    ]
    if n is not None:
        cmd += ['--n', str(n)]
    # a fresh process whose allocator maps every buffer above 128 kB on its
    # own and unmaps it when freed (fixed thresholds: glibc's default ones
    # move at run time and make the peak vary by ±50 MB): RSS then follows
    # the live tensors
    env = dict(os.environ, GLIBC_TUNABLES=MEMORY_TUNING)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env=env)
    return float(out.stdout.strip().splitlines()[-1])


def child_argv(argv):
    return [a for a in (argv if argv is not None else sys.argv[1:])
            if a != '--memory']


def measure_memory(steps, args, device, argv) -> dict:
    """Peak step memory of every timed step: CUDA in this process, CPU in
    a fresh process per variant."""
    memory = {}
    for key, step in steps.items():
        if device.type == 'cuda':
            memory[key] = step_memory(step, device)
        else:
            name, _, n = key.partition(' n=')
            memory[key] = memory_in_subprocess(child_argv(argv), name,
                                               int(n) if n else None)
    return memory


def reexec_with_malloc_tuning(argv) -> None:
    """On Linux CPU runs, this process again with ``MALLOC_TUNING`` (once;
    not for a child or with ``--no-malloc-tuning``)."""
    if os.environ.get('GLIBC_TUNABLES') or '--no-malloc-tuning' in argv or \
            '--child-memory' in argv or not sys.platform.startswith('linux'):
        return
    if any(a.startswith('cuda') for a in argv) or (
            torch.cuda.is_available() and '--device' not in argv):
        return
    env = dict(os.environ, GLIBC_TUNABLES=MALLOC_TUNING)
    os.execve(sys.executable, [sys.executable, '-m', 'mmmultimix.benchmark']
              + list(argv), env)
