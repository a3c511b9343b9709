from .ema_distill_hook import EMASelfDistillHook
from .rng_state_hook import RNGStateHook

__all__ = ['EMASelfDistillHook', 'RNGStateHook']
