from .dist import average_buffers, gather, world_size
from .head_loss import check_soft_target_loss, head_loss, soft_ce_weight
from .heads import affine_classifier
from .memory_layout import MemoryLayout, cpu_unsafe_convs
from .predictions import attach_outputs
from .precision import (PRECISIONS, auto_precision, autocast_context,
                        fast_bf16, resolve_precision)
from .run_stages import check_staged, forward_stages, num_stages
from .targets import (check_finite, check_labels, soft_accuracy,
                      soft_targets)

__all__ = [
    'affine_classifier', 'check_staged', 'forward_stages', 'num_stages',
    'average_buffers', 'gather', 'world_size', 'check_finite',
    'soft_accuracy', 'soft_targets', 'check_labels', 'attach_outputs',
    'MemoryLayout', 'cpu_unsafe_convs', 'PRECISIONS', 'auto_precision',
    'autocast_context', 'fast_bf16', 'resolve_precision', 'head_loss',
    'soft_ce_weight', 'check_soft_target_loss'
]
