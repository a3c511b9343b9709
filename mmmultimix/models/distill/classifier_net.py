"""The network a teacher averages: backbone → neck → head."""
from typing import Optional

import torch.nn as nn

__all__ = ['ClassifierNet']


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
