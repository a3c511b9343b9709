from .ema_distill_hook import EMASelfDistillHook
from .rng_state_hook import RNGStateHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = ['EMASelfDistillHook', 'RNGStateHook', 'SafeCheckpointHook']
