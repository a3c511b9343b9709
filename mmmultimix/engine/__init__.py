"""Engine components (hooks, launch helpers)."""
from .distributed import DeviceAgnosticDDP, setup_distributed
from .hooks import EMASelfDistillHook, RNGStateHook
from .loops import StudentTeacherValLoop

__all__ = [
    'DeviceAgnosticDDP', 'setup_distributed', 'EMASelfDistillHook',
    'RNGStateHook', 'StudentTeacherValLoop'
]
