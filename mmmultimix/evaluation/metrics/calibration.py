"""Expected calibration error."""
from typing import List, Optional

import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from ..functional import expected_calibration_error

__all__ = ['ExpectedCalibrationError']


@METRICS.register_module()
class ExpectedCalibrationError(BaseMetric):
    """ECE (%) of the predicted probabilities (``pred_score``), with
    ``n_bins`` equal-width confidence bins (mixup's over-confidence claim).
    """
    default_prefix = 'calibration'

    def __init__(self,
                 n_bins: int = 15,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device, prefix)
        if not isinstance(n_bins, int) or n_bins < 1:
            raise ValueError(f'n_bins must be an integer >= 1, got {n_bins!r}')
        self.n_bins = n_bins

    def process(self, data_batch, data_samples) -> None:
        for s in data_samples:
            self.results.append((s['pred_score'].float().cpu(),
                                 int(s['gt_label'][0])))

    def compute_metrics(self, results: List) -> dict:
        probs = torch.stack([r[0] for r in results])
        labels = torch.tensor([r[1] for r in results])
        return dict(ece=expected_calibration_error(probs, labels, self.n_bins))
