"""Modules registered in mmdet's registries (detection transfer)."""
from .fixed_ssd_head import FixedSSDHead

__all__ = ['FixedSSDHead']
