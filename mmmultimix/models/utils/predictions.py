"""Per-sample outputs of a prediction, for the OOD and embedding metrics."""
from typing import List, Optional

from mmpretrain.structures import DataSample
from torch import Tensor

__all__ = ['attach_outputs']


def attach_outputs(preds: List[DataSample], logits: Tensor,
                   emb: Optional[Tensor]) -> None:
    """Attaches ``pred_logits`` ``(c,)`` and, for a vector embedding,
    ``embedding`` ``(d,)`` to every sample, as copies (a pickled view would
    carry its whole batch: ``--out`` files would grow by the batch size per
    sample)."""
    for i, sample in enumerate(preds):
        # copies, not views: a pickled view would carry its whole batch
        for key in ('pred_score', 'pred_label'):
            if key in sample:
                sample.set_field(sample.get(key).clone(), key,
                                 field_type='data')
        sample.set_field(logits[i].detach().clone(), 'pred_logits',
                         field_type='data')
        if emb is not None and emb.dim() == 2:
            sample.set_field(emb[i].detach().clone(), 'embedding',
                             field_type='data')
