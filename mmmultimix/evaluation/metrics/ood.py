"""Out-of-distribution detection metric (paper Table 8)."""
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from ..functional import ood_metrics, ood_scores

__all__ = ['OODMetric']


@METRICS.register_module()
class OODMetric(BaseMetric):
    """Detection accuracy, AuROC, AuPR (ID positive) and AuPR (OOD
    positive) of an in-distribution score, on a test set made of ID and OOD
    samples (``OODDataset``; each data sample carries ``is_ood``).

    Args:
        score (str): ``'msp'`` (maximum softmax probability, default),
            ``'energy'`` or ``'maxlogit'``; the latter two use the logits
            that ``MultiMixClassifier.predict`` attaches.
        temperature (float): for ``'energy'``. Defaults to 1.
    """
    default_prefix = 'ood'

    def __init__(self,
                 score: str = 'msp',
                 temperature: float = 1.0,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device, prefix)
        ood_scores(torch.zeros(1, 2), score)  # validates `score`
        self.score = score
        self.temperature = float(temperature)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for s in data_samples:
            if 'is_ood' not in s:
                raise KeyError(
                    'OODMetric needs data samples with `is_ood` (use '
                    "OODDataset and PackInputs(meta_keys=(..., 'is_ood')))")
            if self.score == 'msp':
                logits = torch.log(s['pred_score'].float().clamp_min(1e-30))
            else:
                if 'pred_logits' not in s:
                    raise KeyError(f'score={self.score!r} needs pred_logits '
                                   '(MultiMixClassifier.predict)')
                logits = s['pred_logits']
            sc = ood_scores(logits[None], self.score, self.temperature)
            self.results.append((float(sc), bool(s['is_ood'])))

    def compute_metrics(self, results: List) -> dict:
        scores = np.array([r[0] for r in results])
        is_ood = np.array([r[1] for r in results])
        return ood_metrics(scores[~is_ood], scores[is_ood])
