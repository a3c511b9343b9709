"""mmdet 3.3.0's SSDHead with working inference."""
from mmdet.models.dense_heads import SSDHead
from mmdet.registry import MODELS

__all__ = ['FixedSSDHead']


@MODELS.register_module()
class FixedSSDHead(SSDHead):
    """:class:`mmdet.models.dense_heads.SSDHead` whose ``predict`` works.

    In mmdet 3.3.0, ``BaseDenseHead._predict_by_feat_single`` reads
    ``self.loss_cls``, which ``SSDHead`` (it computes its loss inline) never
    defines, so every SSD evaluation raises ``AttributeError``. Declaring
    ``loss_cls = None`` restores the original behaviour (softmax scores);
    training is untouched.
    """
    loss_cls = None
