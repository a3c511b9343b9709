"""Linear head that also classifies every position of a feature map."""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from torch import Tensor

__all__ = ['DenseLinearClsHead']


@MODELS.register_module()
class DenseLinearClsHead(LinearClsHead):
    """:class:`LinearClsHead` on a ``(m, d, h, w)`` feature map.

    * inference / ``forward``: global average pooling, then ``fc`` — the
      standard pooled prediction, so a dense-trained checkpoint is a normal
      classifier (same ``fc`` weights);
    * dense training (§3.4): the feature map is adaptively average-pooled to
      ``dense_size`` and ``fc`` is applied as a 1×1 convolution at every
      position (:meth:`dense_logits`).

    Use it without a neck: it receives the backbone's feature maps.

    Args:
        num_classes (int): number of classes.
        in_channels (int): channels ``d`` of the feature map.
        dense_size (int | tuple[int, int], optional): spatial resolution of
            the dense map: 1, 2, 4 (CIFAR default), 7 (ImageNet default),
            8, ...; None keeps the backbone's resolution. Defaults to None.
        **kwargs: passed to :class:`LinearClsHead` (``loss``, ``topk``...).
    """
    #: ``forward(feats) == fc(pre_logits(feats))``: logits can be mixed.
    affine_classifier_name = 'fc'

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 dense_size: Optional[Union[int, Tuple[int, int]]] = None,
                 **kwargs):
        super().__init__(num_classes, in_channels, **kwargs)
        if dense_size is not None:
            size = (dense_size, dense_size) if isinstance(dense_size,
                                                          int) else dense_size
            if len(size) != 2 or min(size) < 1:
                raise ValueError('model.head.dense_size must be an integer '
                                 f'>= 1 or a pair of them, got {dense_size!r}')
            dense_size = tuple(int(s) for s in size)
        self.dense_size = dense_size

    @staticmethod
    def _map(feats) -> Tensor:
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        return x

    def pre_logits(self, feats) -> Tensor:
        """Pooled embedding ``(m, d)`` (GAP of the map, or the vector)."""
        x = self._map(feats)
        return x.mean(dim=(2, 3)) if x.dim() == 4 else x

    def dense_map(self, feats) -> Tensor:
        """The ``(m, d, h, w)`` map at ``dense_size``."""
        x = self._map(feats)
        if x.dim() != 4:
            raise ValueError('dense MultiMix needs spatial features '
                             '(m, d, h, w) at the head; got shape '
                             f'{tuple(x.shape)}. Remove the neck (model.neck='
                             'None) or use a backbone that outputs feature '
                             'maps (e.g. ViT with out_type="featmap").')
        if self.dense_size is not None and tuple(x.shape[2:]) != \
                self.dense_size:
            x = F.adaptive_avg_pool2d(x, self.dense_size)
        return x

    def dense_logits(self, fmap: Tensor) -> Tensor:
        """``fc`` as a 1×1 convolution: ``(m, d, h, w)`` -> ``(m, c, r)``."""
        m, d = fmap.shape[:2]
        z = fmap.reshape(m, d, -1)
        out = torch.einsum('mdr,cd->mcr', z, self.fc.weight)
        return out + self.fc.bias.view(1, -1, 1)
