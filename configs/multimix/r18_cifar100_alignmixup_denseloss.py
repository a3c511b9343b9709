# Table 9: AlignMixup + dense loss (per-position 1x1-conv classifier on the
# aligned 4x4 map, every position with the example's mixed target; CIFAR-100,
#
_base_ = ['./r18_cifar100_alignmixup.py']
model = dict(
    neck=None,
    head=dict(type='DenseLinearClsHead', dense_size=4),
    dense_loss=True)
