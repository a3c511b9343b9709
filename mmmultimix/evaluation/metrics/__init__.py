from .calibration import ExpectedCalibrationError
from .embedding import AlignmentUniformity
from .ood import OODMetric

__all__ = ['AlignmentUniformity', 'ExpectedCalibrationError', 'OODMetric']
