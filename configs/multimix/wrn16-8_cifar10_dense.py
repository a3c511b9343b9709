# wrn16-8_cifar10: dense MultiMix, 4x4 dense map (classifier as 1x1 conv).
_base_ = [
    './wrn16-8_cifar10_baseline.py',
    '../_base_/mixers/dense_multimix.py',
]
model = dict(
    neck=None,
    head=dict(type='DenseLinearClsHead', dense_size=4),
    mixer={{_base_.mixer}})
