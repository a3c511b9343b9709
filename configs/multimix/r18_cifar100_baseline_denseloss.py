# Table 9: baseline + dense loss (per-position 1x1-conv classifier on the
# 4x4 map, every position with the example's target; CIFAR-100, R-18).
_base_ = ['./r18_cifar100_baseline.py']
model = dict(
    neck=None,
    head=dict(type='DenseLinearClsHead', dense_size=4),
    dense_loss=True)
