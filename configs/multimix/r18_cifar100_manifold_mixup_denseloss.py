# Table 9: manifold mixup + dense loss (per-position 1x1-conv classifier on the
# 4x4 map, every position with the example's target; CIFAR-100, R-18).
_base_ = ['./r18_cifar100_manifold_mixup.py']
model = dict(
    neck=None,
    head=dict(type='DenseLinearClsHead', dense_size=4),
    dense_loss=True)
