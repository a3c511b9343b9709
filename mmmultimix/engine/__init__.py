"""Engine components (hooks, launch helpers)."""
from .autocast import AutocastOptimWrapper
from .distributed import (DeviceAgnosticDDP, build_runner, default_work_dir,
                          setup_distributed)
from .hooks import EMASelfDistillHook, RNGStateHook
from .loops import StudentTeacherValLoop
from .strict_pretrained import StrictPretrainedInit

__all__ = [
    'AutocastOptimWrapper',     'DeviceAgnosticDDP', 'setup_distributed', 'EMASelfDistillHook',
    'RNGStateHook', 'StudentTeacherValLoop', 'StrictPretrainedInit'
]
