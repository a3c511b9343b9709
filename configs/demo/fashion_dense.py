# Fashion-MNIST, CPU-sized: dense MultiMix on the 4x4 map (classifier as a
# 1x1 convolution).
_base_ = ['./fashion_baseline.py', '../_base_/mixers/dense_multimix.py']
model = dict(
    neck=None,
    head=dict(type='DenseLinearClsHead', dense_size=4),
    mixer={{_base_.mixer}})
