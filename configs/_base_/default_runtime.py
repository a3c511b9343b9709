# Runtime shared by every mmmultimix classification config: mmpretrain's own
# runtime plus our plugin import.
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['mmmultimix'], allow_failed_imports=False)
randomness = dict(seed=0, deterministic=False)
# global RNG states travel with checkpoints: --resume continues the streams
custom_hooks = [dict(type='RNGStateHook')]
