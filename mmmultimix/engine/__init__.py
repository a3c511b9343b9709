"""Engine components (hooks, loops)."""
from .hooks import EMASelfDistillHook, RNGStateHook

__all__ = ['EMASelfDistillHook', 'RNGStateHook']
