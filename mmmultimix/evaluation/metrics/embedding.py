"""Alignment and uniformity of the embedding space (paper A.4)."""
from typing import List, Optional

import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from ..functional import alignment, uniformity

__all__ = ['AlignmentUniformity']


@METRICS.register_module()
class AlignmentUniformity(BaseMetric):
    """Alignment (same-class pairs) and uniformity (all pairs) of the
    ℓ2-normalised test embeddings that ``MultiMixClassifier.predict``
    attaches (``embedding``: the input of the classifier ``g_W``).

    Args:
        alpha (float): alignment exponent. Defaults to 2.
        t (float): uniformity temperature. Defaults to 2.
        max_samples (int, optional): use the first ``max_samples``
            examples (pairwise cost is quadratic). Defaults to 10000.
    """
    default_prefix = 'embedding'

    def __init__(self,
                 alpha: float = 2.0,
                 t: float = 2.0,
                 max_samples: Optional[int] = 10000,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device, prefix)
        self.alpha, self.t, self.max_samples = alpha, t, max_samples

    def process(self, data_batch, data_samples) -> None:
        for s in data_samples:
            if 'embedding' not in s:
                raise KeyError('AlignmentUniformity needs `embedding` in the '
                               'predictions (MultiMixClassifier.predict)')
            self.results.append((s['embedding'].float().cpu(),
                                 int(s['gt_label'][0])))

    def compute_metrics(self, results: List) -> dict:
        if self.max_samples:
            results = results[:self.max_samples]
        z = torch.stack([r[0] for r in results])
        y = torch.tensor([r[1] for r in results])
        return dict(alignment=alignment(z, y, self.alpha),
                    uniformity=uniformity(z, self.t))
