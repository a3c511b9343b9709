# Runtime shared by every mmmultimix classification config: mmpretrain's own
# runtime plus our plugin import.
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['mmmultimix'], allow_failed_imports=False)
randomness = dict(seed=0, deterministic=False)
