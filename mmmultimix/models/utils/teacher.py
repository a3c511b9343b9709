"""The distillation teacher: an averaged copy of the student's network."""
from typing import Optional

import torch.nn as nn
from mmengine.model import ExponentialMovingAverage

__all__ = ['ClassifierNet', 'EMATeacher']


class ClassifierNet(nn.Module):
    """``backbone`` → ``neck`` → ``head`` without the classifier's other
    parts (data preprocessor, mixer, teacher, loss): what the teacher
    averages. Attribute names match the classifier's, so
    ``teacher.module.backbone.*`` mirrors ``backbone.*``."""

    def __init__(self, backbone: nn.Module, neck: Optional[nn.Module],
                 head: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.neck = neck
        self.head = head

    @property
    def with_neck(self) -> bool:
        return self.neck is not None

    def extract_feat(self, inputs):
        x = self.backbone(inputs)
        return self.neck(x) if self.neck is not None else x

    def forward(self, inputs):
        return self.head(self.extract_feat(inputs))


class EMATeacher(ExponentialMovingAverage):
    """mmengine's :class:`ExponentialMovingAverage` of a
    :class:`ClassifierNet`.

    **Momentum convention (stated once for the whole package):** mmengine's,
    ``teacher = (1 − momentum) · teacher + momentum · student``, i.e.
    ``momentum = 1 − decay``; ``momentum = 0.001`` is a decay of 0.999
    (Mean Teacher). Buffers (BN statistics) are copied from the student.
    ``steps`` is a buffer, so checkpoints resume the average exactly.

    The first update copies the student (mmengine's behaviour); before any
    update the teacher equals the student at initialisation.
    """

    def __init__(self, net: ClassifierNet, momentum: float = 0.001):
        super().__init__(net, momentum=momentum, interval=1,
                         update_buffers=False)
