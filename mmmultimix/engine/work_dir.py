"""A new training run never silently overwrites an earlier one."""
import glob
import os
import os.path as osp
from typing import List

__all__ = ['previous_checkpoints', 'guard_work_dir']

_PATTERNS = ('epoch_*.pth', 'iter_*.pth', 'best_*.pth', 'last_checkpoint')


def previous_checkpoints(work_dir: str) -> List[str]:
    """Checkpoint files (and ``last_checkpoint``) an earlier run left in
    ``work_dir``."""
    return sorted(p for pat in _PATTERNS
                  for p in glob.glob(osp.join(work_dir, pat)))


def guard_work_dir(work_dir: str, resume: bool, overwrite: bool) -> None:
    """Before training into ``work_dir``: with ``resume`` continue; else
    refuse when it holds an earlier run's checkpoints, unless ``overwrite``
    (then they are deleted, by rank 0, and said)."""
    if resume:
        return
    old = previous_checkpoints(work_dir)
    if not old:
        return
    names = ', '.join(osp.basename(p) for p in old[:5])
    if not overwrite:
        raise SystemExit(
            f'{work_dir} holds checkpoints of an earlier run ({names}'
            f'{", ..." if len(old) > 5 else ""}); a new run would overwrite '
            'them. Use --resume to continue that run, --work-dir for a new '
            'folder, or --overwrite to delete them and start afresh.')
    if int(os.environ.get('RANK', '0')) == 0:
        for p in old:
            os.remove(p)
        print(f'--overwrite: deleted {len(old)} files of an earlier run in '
              f'{work_dir} ({names})', flush=True)
