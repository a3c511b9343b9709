# Digits demo: no mixup.
_base_ = [
    '../_base_/models/wrn10_2_digits.py',
    '../_base_/datasets/digits_lowdata.py',
    '../_base_/schedules/digits_150e.py', '../_base_/default_runtime.py'
]
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=50, max_keep_ckpts=1))
