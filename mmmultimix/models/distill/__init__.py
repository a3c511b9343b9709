from .classifier_net import ClassifierNet
from .ema_teacher import EMATeacher

__all__ = ['ClassifierNet', 'EMATeacher']
