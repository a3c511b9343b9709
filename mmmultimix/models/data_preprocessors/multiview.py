"""Data preprocessor batching two augmented views (self-distillation)."""
import torch
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.registry import MODELS

__all__ = ['MultiViewClsDataPreprocessor']


@MODELS.register_module()
class MultiViewClsDataPreprocessor(ClsDataPreprocessor):
    """:class:`ClsDataPreprocessor` that also accepts several views per
    sample (mmpretrain's ``MultiView`` transform before ``PackInputs``).

    Multi-view batches become ``inputs`` of shape ``(V, m, C, H, W)``: view 0
    for the student (``t ~ T``), view 1 for the teacher (``t' ~ T'``),
    each normalised like a single-view batch. Single-view batches (e.g.
    validation) are processed exactly as by :class:`ClsDataPreprocessor`.
    Targets are built once, from the data samples.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        # pseudo_collate transposes MultiView's per-sample lists into V lists
        # of m images; default_collate into V tensors (m, C, H, W).
        multi = isinstance(inputs, (list, tuple)) and len(inputs) > 0 and (
            isinstance(inputs[0], (list, tuple)) or
            (isinstance(inputs[0], torch.Tensor) and inputs[0].dim() == 4))
        if not multi:
            return super().forward(data, training)
        views = [v if isinstance(v, torch.Tensor) else list(v) for v in inputs]
        out = super().forward(
            dict(inputs=views[0], data_samples=data.get('data_samples')),
            training)
        batches = [out['inputs']]
        for view in views[1:]:
            batches.append(
                super().forward(dict(inputs=view), training)['inputs'])
        out['inputs'] = torch.stack(batches)
        return out
