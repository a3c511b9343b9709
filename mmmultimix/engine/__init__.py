"""Engine components (hooks, launch helpers)."""
from .batch_scale import batch_note
from .distributed import (DeviceAgnosticDDP, build_runner, default_work_dir,
                          setup_distributed)
from .hooks import EMASelfDistillHook, RNGStateHook, SafeCheckpointHook
from .loops import StudentTeacherValLoop
from .precision import use_precision
from .runner import MultiMixRunner
from .strict_pretrained import StrictPretrainedInit
from .eval_checkpoint_loader import (CheckpointMismatchError,
                                     load_test_checkpoint)
from .work_dir import guard_work_dir, previous_checkpoints

__all__ = [
    'DeviceAgnosticDDP', 'setup_distributed', 'use_precision',
    'EMASelfDistillHook', 'RNGStateHook', 'SafeCheckpointHook',
    'StudentTeacherValLoop', 'StrictPretrainedInit', 'build_runner',
    'default_work_dir', 'CheckpointMismatchError', 'load_test_checkpoint',
    'guard_work_dir', 'previous_checkpoints', 'MultiMixRunner', 'batch_note'
]
