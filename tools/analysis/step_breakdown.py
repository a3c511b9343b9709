"""Where a training step's time goes under mmengine's loop: milliseconds per
SGD step in ``train_step`` (forward, backward, optimizer), in data loading
(the dataloader's ``__next__``: dataset, pipeline, collate) and in the rest
(hooks, logging, the loop itself), for a config of the CPU-sized families.

``--per-sample`` also times the config with mmpretrain's per-sample pipeline
in place of its batched collate (``crop_flip_collate``: the same batches,
bit for bit) and prints the ratio. Example (the long study's setting)::

    OMP_NUM_THREADS=1 python tools/analysis/step_breakdown.py \\
        fashion_multimix --per-sample

Timings vary with what else runs on the machine: compare rows of one call.
"""
import argparse
import tempfile
import time

from mmmultimix.studies.training import config_path, train_only


def per_sample_options(cfg) -> dict:
    """Overrides that replace ``crop_flip_collate`` by the per-sample
    pipeline it stands for (the same batches)."""
    from mmmultimix.datasets import per_sample_pipeline
    coll = cfg.train_dataloader.get('collate_fn', {})
    if coll.get('type') != 'crop_flip_collate':
        raise ValueError('--per-sample: the config has no crop_flip_collate '
                         '(train_dataloader.collate_fn) to compare with')
    return {'train_dataloader.collate_fn': dict(_delete_=True,
                                                type='pseudo_collate'),
            'train_dataloader.dataset.pipeline': per_sample_pipeline(coll)}


def breakdown(cfg_name, opts, epochs) -> dict:
    """ms per step: ``step`` (train_step), ``data``, ``rest``, ``total``."""
    import torch.utils.data.dataloader as dl
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmmultimix  # noqa: F401
    cfg = Config.fromfile(config_path(cfg_name))
    cfg.merge_from_dict(opts)
    cfg.train_cfg.max_epochs = epochs
    cfg.param_scheduler = []
    acc = dict(step=0.0, data=0.0, n=0, t0=0.0)
    with tempfile.TemporaryDirectory() as tmp:
        train_only(cfg, tmp, 'breakdown')
        runner = Runner.from_cfg(cfg)
        model, nxt = runner.model, dl._BaseDataLoaderIter.__next__
        train_step = model.train_step

        def timed_step(data, optim_wrapper):
            if acc['n'] == 0:  # the first step (warm-up) is not counted
                out = train_step(data, optim_wrapper)
                acc.update(step=0.0, data=0.0, t0=time.perf_counter())
            else:
                t = time.perf_counter()
                out = train_step(data, optim_wrapper)
                acc['step'] += time.perf_counter() - t
            acc['n'] += 1
            return out

        def timed_next(self):
            t = time.perf_counter()
            out = nxt(self)
            acc['data'] += time.perf_counter() - t
            return out

        model.train_step = timed_step
        dl._BaseDataLoaderIter.__next__ = timed_next
        try:
            runner.train()
        finally:
            dl._BaseDataLoaderIter.__next__ = nxt
        total = time.perf_counter() - acc['t0']
    n = acc['n'] - 1
    ms = {k: 1000.0 * acc[k] / n for k in ('step', 'data')}
    ms['total'] = 1000.0 * total / n
    ms['rest'] = ms['total'] - ms['step'] - ms['data']
    return ms


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config', help='config name in configs/demo (no .py)')
    p.add_argument('--npc', type=int, default=100,
                   help='training images per class (default 100: 1,000 '
                   'images, 8 steps an epoch)')
    p.add_argument('--epochs', type=int, default=12)
    p.add_argument('--per-sample', action='store_true',
                   help='also time the per-sample pipeline')
    a = p.parse_args(argv)
    import torch
    opts = {'train_dataloader.dataset.num_per_class': a.npc}
    from mmengine.config import Config
    variants = [('batched collate' if Config.fromfile(config_path(
        a.config)).train_dataloader.get('collate_fn', {}).get('type') ==
                 'crop_flip_collate' else 'as configured', opts)]
    if a.per_sample:
        cfg = Config.fromfile(config_path(a.config))
        variants.insert(0, ('per-sample pipeline',
                            dict(opts, **per_sample_options(cfg))))
    print(f'{a.config}, {a.npc * 10} images, {a.epochs} epochs, '
          f'{torch.get_num_threads()} thread(s); ms per SGD step')
    print(f'{"data path":22} {"total":>7} {"step":>7} {"data":>7} '
          f'{"rest":>6}')
    rows = []
    for name, o in variants:
        ms = breakdown(a.config, o, a.epochs)
        rows.append(ms)
        print(f'{name:22} {ms["total"]:7.1f} {ms["step"]:7.1f} '
              f'{ms["data"]:7.1f} {ms["rest"]:6.1f}', flush=True)
    if len(rows) == 2:
        data, total = (rows[1][k] / rows[0][k] for k in ('data', 'total'))
        print(f'data loading: {data:.2f}x the per-sample time; whole step: '
              f'{total:.2f}x')
    return rows


if __name__ == '__main__':
    main()
