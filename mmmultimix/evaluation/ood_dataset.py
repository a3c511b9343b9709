"""In-distribution test set + OOD image folders as one dataset."""
from typing import List, Sequence

from mmengine.dataset import BaseDataset as _MMBase
from mmpretrain.registry import DATASETS

__all__ = ['OODDataset']


@DATASETS.register_module()
class OODDataset(_MMBase):
    """Concatenates an in-distribution test set and OOD datasets (e.g.
    mmpretrain ``CustomDataset(data_root=folder, with_label=False)`` for any
    image folder), marking each sample with ``is_ood``. Add ``'is_ood'`` to
    ``PackInputs(meta_keys=...)`` of the pipeline.

    Args:
        id_dataset (dict): in-distribution test set config (without
            pipeline).
        ood_datasets (Sequence[dict]): OOD dataset configs.
        pipeline (Sequence[dict]): shared test pipeline.
    """

    def __init__(self, id_dataset: dict, ood_datasets: Sequence[dict],
                 pipeline: Sequence = (), **kwargs):
        self._id_cfg = id_dataset
        self._ood_cfgs = list(ood_datasets)
        if not self._ood_cfgs:
            raise ValueError('OODDataset.ood_datasets must list at least one '
                             'OOD dataset')
        super().__init__(ann_file='', pipeline=pipeline, test_mode=True,
                         serialize_data=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        data = []
        for cfg, is_ood in [(self._id_cfg, False)] + [(c, True)
                                                      for c in self._ood_cfgs]:
            ds = DATASETS.build(dict(cfg, pipeline=[], lazy_init=False))
            for i in range(len(ds)):
                info = dict(ds.get_data_info(i))
                info['is_ood'] = is_ood
                if is_ood:
                    info['gt_label'] = -1
                data.append(info)
        return data
