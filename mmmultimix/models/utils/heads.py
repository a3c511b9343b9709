"""Which heads are affine in their embedding (logit-space interpolation)."""
from typing import Dict, Optional

import torch.nn as nn

__all__ = ['affine_classifier']


def affine_classifier(head: nn.Module) -> Optional[nn.Linear]:
    """The final ``nn.Linear`` ``g_W`` of a head whose ``forward(feats)`` is
    exactly ``g_W(head.pre_logits(feats))``; None for any other head.

    Known affine heads: mmpretrain ``LinearClsHead`` and
    ``VisionTransformerClsHead`` (exact classes), and heads that declare
    ``affine_classifier_name`` (our dense head).
    """
    name = getattr(head, 'affine_classifier_name', None)
    if name is None:
        # exact classes only: a subclass may override forward
        name = _known_affine_heads().get(type(head))
    if name is None:
        return None
    module = head.get_submodule(name)
    return module if isinstance(module, nn.Linear) else None


def _known_affine_heads() -> Dict[type, str]:
    from mmpretrain.models.heads import (LinearClsHead,
                                         VisionTransformerClsHead)
    return {LinearClsHead: 'fc', VisionTransformerClsHead: 'layers.head'}
