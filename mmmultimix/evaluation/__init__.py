"""Evaluation: attacks, OOD detection, embedding analysis, calibration."""
from .attacks import fgsm, pgd
from .loops import AdversarialTestLoop
from .metrics import AlignmentUniformity, ExpectedCalibrationError, OODMetric
from .ood_dataset import OODDataset
from .transforms import LoadImageIfPath

__all__ = [
    'fgsm', 'pgd', 'AdversarialTestLoop', 'AlignmentUniformity',
    'ExpectedCalibrationError', 'OODMetric', 'OODDataset', 'LoadImageIfPath'
]
