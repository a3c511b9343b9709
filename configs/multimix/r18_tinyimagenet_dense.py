# r18_tinyimagenet: dense MultiMix, 4x4 dense map (classifier as 1x1 conv).
_base_ = [
    './r18_tinyimagenet_baseline.py',
    '../_base_/mixers/dense_multimix.py',
]
model = dict(
    neck=None,
    head=dict(type='DenseLinearClsHead', dense_size=4),
    mixer={{_base_.mixer}})
