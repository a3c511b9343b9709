# Runtime shared by every mmmultimix classification config: mmpretrain's own
# runtime plus our plugin import.
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['mmmultimix'], allow_failed_imports=False)
randomness = dict(seed=0, deterministic=False)
default_hooks = dict(
    # write-then-rename checkpoints; old ones pruned only after the new one
    # is complete; never a non-finite state. Disk: the last 3 periodic
    # checkpoints (every epoch, mmpretrain's interval; --resume needs only
    # the last) and the best by validation top-1 (weights only), not one per
    # epoch (2,000 for a CIFAR run)
    checkpoint=dict(type='SafeCheckpointHook', max_keep_ckpts=3,
                    save_best='auto'),
    # DDP: BN statistics averaged over the ranks before validation and
    # saving, so the saved model is the validated one
    sync_buffers=dict(type='SyncBuffersHook'))
# every rank's RNG states travel with checkpoints: --resume continues the
# streams
custom_hooks = [dict(type='RNGStateHook')]
