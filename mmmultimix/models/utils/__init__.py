from .heads import affine_classifier
from .staged import check_staged, forward_stages, num_stages
from .teacher import ClassifierNet, EMATeacher

__all__ = [
    'affine_classifier', 'check_staged', 'forward_stages', 'num_stages',
    'ClassifierNet', 'EMATeacher'
]
