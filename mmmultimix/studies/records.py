"""The study cache: job keys, ``<out>/runs.json`` and what every record
states about the code that produced it.

A *job* (:class:`Job`) is ``(config, cfg_options, seed, epochs, robust_n,
val)``; its cache key (:func:`job_key`) hashes exactly these, so a record
is found again whatever produced it. Finished runs live in
``<out>/runs.json``, rewritten atomically by the study's one writer, the
driver (:mod:`.engine`), as runs finish: a study resumes at run granularity
after Ctrl-C or a crash. A record once cached is never replaced.
"""
import hashlib
import json
import os
import os.path as osp
import subprocess
from typing import NamedTuple, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

__all__ = ['ROOT', 'Job', 'legacy_key', 'job_key', 'load_cache', 'write_cache',
           'merge_records', 'git_commit', 'CODE_COMMIT', 'MIXER_SEEDING',
           'check_seeding']

#: how a run's mixer generator is seeded, stated by every record
#: (``meta.mixer_seeding``): from the run's seed without drawing from the
#: global RNG, so a mixer run starts from the weights of the run without a
#: mixer. Records without it predate that change: their mixer runs drew
#: the generator's seed from the global RNG before the weights'
#: initialisation, so their initial weights differ from a run of today.
MIXER_SEEDING = 'run-seed'


def check_seeding(results: dict, out: str) -> None:
    """Refuses to add runs to a cache whose records predate
    :data:`MIXER_SEEDING` (their mixer runs start from other initial
    weights), so that a study never pairs, at one seed, a run from before
    the change with one from after."""
    old = [k for k, r in results.items()
           if isinstance(r.get('meta'), dict) and 'config' in r['meta']
           and r['meta'].get('mixer_seeding') != MIXER_SEEDING]
    if old:
        raise RuntimeError(
            f'{out}/runs.json holds {len(old)} runs from before mixers were '
            'seeded from the run seed (records without meta.mixer_seeding: '
            'their mixer runs start from other initial weights); a new run '
            'would not pair with them at its seed. Train into a new --out, '
            'or continue this study from a checkout of the commit that made '
            'these runs (meta.commit)')


def legacy_key(cfg_name, opts, seed, epochs) -> str:
    """The cache key of the digits study's jobs (no evaluation options)."""
    blob = json.dumps([cfg_name, opts, seed, epochs], sort_keys=True,
                      default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def job_key(job) -> str:
    """Cache key of ``(cfg_name, opts, seed, epochs, robust_n, val)``."""
    cfg_name, opts, seed, epochs, robust_n, val = job
    return legacy_key(cfg_name, dict(opts, _eval=[robust_n, val]), seed,
                      epochs)


class Job(NamedTuple):
    """One training of a study: the config (a name under ``configs/demo``
    or ``configs/multimix``), its overrides, the seed, the epochs (None:
    the config's), FGSM / PGD on the first ``robust_n`` test images (0:
    none, None: all) and whether to report the val split's accuracy."""
    config: str
    cfg_options: dict
    seed: int
    epochs: Optional[int] = None
    robust_n: Optional[int] = 0
    val: bool = False

    @property
    def key(self) -> str:
        """The cache key (:func:`job_key`)."""
        return job_key(self)

    def describe(self) -> str:
        """One line for progress and failure reports: the config, seed,
        epochs and the overrides other than the images per class."""
        extra = ' '.join(f'{k.split(".")[-1]}={v}'
                         for k, v in self.cfg_options.items()
                         if k != 'train_dataloader.dataset.num_per_class')
        return f'{self.config} seed {self.seed} epochs {self.epochs}' + (
            f' ({extra})' if extra else '')


def load_cache(out: str) -> dict:
    """The finished runs cached in ``<out>/runs.json`` (creates ``out``)."""
    os.makedirs(out, exist_ok=True)
    cache = osp.join(out, 'runs.json')
    if not osp.isfile(cache):
        return {}
    with open(cache) as f:
        return json.load(f)


def merge_records(results: dict, other: dict) -> int:
    """Adds ``other``'s records whose keys ``results`` lacks (a record once
    cached is never replaced); returns how many."""
    new = {k: v for k, v in other.items() if k not in results}
    results.update(new)
    return len(new)


def write_cache(out: str, results: dict) -> None:
    """``<out>/runs.json`` replaced atomically (a kill leaves the old file
    whole). Records already on disk that ``results`` lacks (merged in by
    hand, say, from a device's cache) are kept and added to ``results``:
    a write never drops a record."""
    cache = osp.join(out, 'runs.json')
    merge_records(results, load_cache(out))
    tmp = f'{cache}.{os.getpid()}.tmp'
    with open(tmp, 'w') as f:
        json.dump(results, f, indent=None, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, cache)


def git_commit() -> str:
    """``HEAD``'s hash, ``+dirty`` when tracked files differ from it;
    ``unknown`` outside a git checkout. Records take :data:`CODE_COMMIT`,
    read when this module is imported (the code a process runs), not at
    the end of a run (the tree may have moved on meanwhile), and
    ``config_commit``, read when a run starts: the configs are read afresh
    for every run, so a config edited during a study reaches its later
    runs. A copy without ``.git`` (a device machine's, a cluster node's)
    takes the hash from ``MMMULTIMIX_COMMIT`` when it is set."""
    if not osp.isdir(osp.join(ROOT, '.git')) and os.environ.get(
            'MMMULTIMIX_COMMIT'):
        return os.environ['MMMULTIMIX_COMMIT'] + '+copy'
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT,
                              capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain',
                                '--untracked-files=no'], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'
    return head + ('+dirty' if dirty else '')


CODE_COMMIT = git_commit()


def row_of(meta: dict, family: str = 'fashion') -> str:
    """The row of a record: its config name without the family."""
    return meta['config'][len(family) + 1:]


def record_precision(meta: dict) -> str:
    """A record's precision (records from before the setting: fp32)."""
    return meta.get('precision', 'fp32')


def cells(results: dict, npc: int, prec: str = 'fp32') -> dict:
    """``{device: {(row, epochs): {seed: record}}}`` of the records on
    ``npc`` images per class at the reference width and in precision
    ``prec`` (wider cells and other precisions are cells of their own)."""
    out = {}
    for rec in results.values():
        meta = rec.get('meta')
        if not meta or meta['cfg_options'].get(
                'train_dataloader.dataset.num_per_class') != npc or \
                'model.backbone.base_channels' in meta['cfg_options'] or \
                record_precision(meta) != prec:
            continue
        dev = out.setdefault(meta['device'], {})
        dev.setdefault((row_of(meta), meta['epochs']), {})[meta['seed']] = rec
    return out
