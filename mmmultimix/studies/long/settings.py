"""The long-schedule Fashion-MNIST study (``reproduce.py --study long``):
does MultiMix overtake input mixup when training is long enough, after how
many SGD steps, and what do the dense loss and self-distillation add there?

CPU-sized family ``configs/demo/fashion_*`` on the seeded nested subset of
``SETTINGS['npc']`` images per class (1,000 images: 8 SGD steps an epoch at
m = 128), the paper's settings otherwise; the step schedule is scaled to
each length (lr / 10 at 1/2 and 3/4 of training). Nothing is chosen on the
test set: every schedule is reported.

The plan (``--plan`` prints it with estimated core-minutes):

* ``sweep`` (required): input mixup and MultiMix at ``SETTINGS['sweep']``
  epochs (800, 2,000, 8,000 steps), 5 seeds;
* ``best`` (required): + dense + distil and input mixup + distil at
  ``SETTINGS['long']`` epochs, seeds 0–2 (3–4 in ``more``); the teachers use
  the paper's EMA momentum 0.001 (decay 0.999) at this length;
* ``more`` (budget permitting; the device path runs it in full): every other
  row at ``SETTINGS['long']`` epochs, the ``best`` rows' seeds 3–4, and
  both sweep methods at ``SETTINGS['longest']`` epochs (16,000 steps, the
  paper's 2000 epochs of CIFAR).
* ``axes`` (issue 33, ``--part axes``; ``all`` includes it): input mixup and
  MultiMix at ``SETTINGS['axes_steps']`` SGD steps on the two axes toward
  the paper's regime, paired by seed: ``width`` (1/4 width, base 16: a
  128-dimensional embedding, same 1,000 images), ``data`` (1/8 width on
  5,000 images, 500 per class as CIFAR-100) and ``width_data`` (both;
  ``SETTINGS['width_data_seeds']`` seeds), each beside its reference
  ``ref`` (1/8 width, 1,000 images: the sweep's runs at that length).
* ``data_epochs`` (issue 43, ``--part data_epochs``; ``all`` includes it):
  the ``data`` cell (1/8 width, 5,000 images) at ``SETTINGS['data_epochs']``
  epochs (16,000 and 40,000 SGD steps), paired by seed, all seeds of the
  shorter length first: the data axis read at matched epochs (the axes
  part compares at matched SGD steps, 200 epochs on 5,000 images).
* ``precision`` (issue 32, ``--part precision``; ``all`` includes it):
  input mixup, MultiMix and + dense + distil at ``SETTINGS['precision_steps']``
  SGD steps, 5 seeds, each in fp32 (group ``fp32``) and bf16 (group
  ``bf16``), paired by seed (same seeds, same data order): evidence that
  bf16 changes nothing but time.

A run's precision is part of its record (``meta.precision``) and, where it
is not fp32, of its key (``model.precision`` among its options):
``SETTINGS['precision']`` is that of the required and more parts (fp32, as
their seeds so far), ``SETTINGS['axes_precision']`` that of the axes part
(``'auto'``, resolved on the machine that plans: bf16 where native, so its
reference cell is rerun in bf16 there); records of different precision are
different cells.

Runs go seed by seed (all of a seed's required runs before the next seed's),
so that a partial cache already pairs its cells. This module holds the
settings; each part's module (:mod:`.sweep`, :mod:`.axes`,
:mod:`.precision`, :mod:`.data_epochs`) its plan entries, cells, tables and
figure; :mod:`.plan` assembles the plan, :mod:`.report` the report from
whatever is cached (missing cells marked missing), :mod:`.study` runs it.
"""
import os.path as osp

from ..records import ROOT

FAMILY = 'fashion'


SETTINGS = dict(
    npc=100,  # images per class: 1,000 training images, 8 steps an epoch
    sweep=(100, 250, 1000),  # epochs: 800, 2,000, 8,000 SGD steps
    long=1000,  # the long schedule of the other rows
    longest=2000,  # 16,000 steps (``more``)
    seeds=(0, 1, 2, 3, 4),
    best_seeds=3,  # seeds of the ``best`` rows that are required
    robust_n=500,  # FGSM / PGD on the first 500 test images
    distil_momentum=0.001,  # the paper's EMA momentum (decay 0.999)
    axes_steps=8000,  # SGD steps of every cell of the axes part
    width_data_seeds=3,  # seeds of the width_data cell (budget)
    precision='fp32',  # of the required and more parts (their seeds so far)
    # the axes part's cells (new, issue 33): bf16 where it is native, once
    # the precision part showed no difference (issue 32)
    axes_precision='auto',
    precision_steps=2000,  # SGD steps of the precision part
    # the data cell at matched epochs (issue 43): 400 and 1,000 epochs on
    # 5,000 images (16,000 and 40,000 SGD steps)
    data_epochs=(400, 1000))


SMOKE = dict(npc=2, sweep=(1, 2), long=2, longest=3, seeds=(0, 1),
             best_seeds=1, robust_n=8, distil_momentum=0.001, axes_steps=6,
             width_data_seeds=1, precision='fp32', axes_precision='auto',
             precision_steps=4, data_epochs=(2, ))


PRECISION_ROWS = ('input_mixup', 'multimix', 'dense_distil')


PRECISION_GROUPS = ('fp32', 'bf16')


# the axes' cells (issue 33): backbone base channels (the embedding is 8 x
# base) and images per class, as multiples of the study's own (``npc``), so
# that the smoke plan scales with it
BASE_CHANNELS = 8


CELLS = dict(ref=dict(base=8, npc_x=1), width=dict(base=16, npc_x=1),
             data=dict(base=8, npc_x=5), width_data=dict(base=16, npc_x=5))


# plan groups that train an axes cell at other lengths: group -> cell
CELL_OF_GROUP = dict(data_epochs='data')


SWEEP_ROWS = ('input_mixup', 'multimix')


AXES_ROWS = SWEEP_ROWS


BEST_ROWS = ('dense_distil', 'input_mixup_distil')


OTHER_ROWS = ('baseline', 'manifold_mixup', 'cutmix', 'dense', 'distil')


# the paper's baselines, planned once their configs exist (issue 24)
BASELINE_ROWS = ('alignmixup', 'zeta_mixup', 'puzzlemix', 'saliencymix')


# fallback ms per SGD step (one thread, this 2-core host) for the plan's
# estimate when the cache holds no run of the row yet; measured runs replace
# them. PuzzleMix (its saliency pass, graph cuts and transports in the
# training process): ~390 ms per fp32 step (AMD EPYC, its three runs'
# train time over their steps, since the transport's index form; ~1,000 ms
# before)
DEFAULT_MS = dict(default=230.0, distil=400.0, puzzlemix=390.0)


def distils(row: str) -> bool:
    return 'distil' in row


def cell_of(group: str) -> dict:
    """``{'base', 'npc_x'}`` of a plan group (the axes' cells; every other
    group trains the reference cell: base 8, ``npc`` images per class)."""
    return CELLS.get(CELL_OF_GROUP.get(group, group), CELLS['ref'])


def precision_of(group, st=SETTINGS) -> str:
    """The resolved precision of a group's runs: the precision part's
    own, ``st['axes_precision']`` for the axes part's cells, else
    ``st['precision']`` (``'auto'``: bf16 where this machine's device runs
    it natively)."""
    if group in PRECISION_GROUPS:
        return group
    axes = group in CELLS or group in CELL_OF_GROUP
    name = st.get('axes_precision' if axes else 'precision',
                  'fp32')
    if name != 'auto':
        return name
    import torch

    from mmmultimix.models.utils import resolve_precision
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return resolve_precision(name, dev, 'precision')


def steps(epochs, st=SETTINGS, npc=None) -> int:
    """SGD steps of a schedule: ``ceil(10 · npc / 128)`` an epoch (``npc``:
    the study's own unless given)."""
    return epochs * -(-10 * (npc or st['npc']) // 128)


def axes_epochs(group: str, st=SETTINGS) -> int:
    """Epochs giving the cell ``st['axes_steps']`` SGD steps (at least
    one epoch)."""
    per_epoch = steps(1, st, st['npc'] * cell_of(group)['npc_x'])
    return max(1, st['axes_steps'] // per_epoch)


def config_exists(row) -> bool:
    return osp.isfile(osp.join(ROOT, 'configs', 'demo', f'{FAMILY}_{row}.py'))
