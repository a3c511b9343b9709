"""Reading what an mmengine Runner logged, for tests."""
import glob
import json
import os.path as osp


def scalars(work_dir: str) -> list:
    """Every row of the ``vis_data/scalars.json`` files under ``work_dir``
    (one per run, in time order)."""
    rows = []
    for f in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                       'scalars.json'))):
        with open(f) as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return rows
