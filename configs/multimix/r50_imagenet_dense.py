# r50_imagenet: dense MultiMix, 7x7 dense map (classifier as 1x1 conv).
_base_ = ['./r50_imagenet_baseline.py', '../_base_/mixers/dense_multimix.py']
model = dict(
    neck=None,
    head=dict(type='DenseLinearClsHead', dense_size=7),
    mixer={{_base_.mixer}})
