# Digits demo: dense MultiMix on the 2x2 feature map of WRN-10-2.
_base_ = ['./digits_baseline.py', '../_base_/mixers/dense_multimix.py']
model = dict(
    neck=None,
    head=dict(type='DenseLinearClsHead', dense_size=2),
    mixer={{_base_.mixer}})
