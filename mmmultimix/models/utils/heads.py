"""Which heads are affine in their embedding (logit-space interpolation)."""
from typing import Dict, Optional

import torch.nn as nn

__all__ = ['affine_classifier']


def affine_classifier(head: nn.Module) -> Optional[nn.Linear]:
    """The final ``nn.Linear`` ``g_W`` of a head that is affine in its
    input: ``forward(feats)`` is exactly ``g_W(head.pre_logits(feats))``
    and ``pre_logits`` is linear in ``feats`` (it takes the last stage's
    tensor, or averages it), so mixing the head's input and mixing the
    logits of the real examples give the same logits; None for any other
    head (the embedding is then mixed and the head runs on the mix).

    Affine heads: mmpretrain ``LinearClsHead`` and
    ``VisionTransformerClsHead`` without ``hidden_dim`` (exact classes: a
    subclass may override forward; with ``hidden_dim`` the head's
    ``pre_logits`` is a linear layer and a tanh, not affine), and heads
    that declare ``affine_classifier_name`` (our dense head, whose
    ``pre_logits`` averages the map).
    """
    name = getattr(head, 'affine_classifier_name', None)
    if name is None:
        # exact classes only: a subclass may override forward
        name = _known_affine_heads().get(type(head))
        if getattr(head, 'hidden_dim', None) is not None:
            return None  # ViT's hidden layer and tanh before g_W
    if name is None:
        return None
    module = head.get_submodule(name)
    return module if isinstance(module, nn.Linear) else None


def _known_affine_heads() -> Dict[type, str]:
    from mmpretrain.models.heads import (LinearClsHead,
                                         VisionTransformerClsHead)
    return {LinearClsHead: 'fc', VisionTransformerClsHead: 'layers.head'}
