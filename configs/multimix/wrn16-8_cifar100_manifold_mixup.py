# wrn16-8_cifar100: manifold mixup.
_base_ = [
    './wrn16-8_cifar100_baseline.py',
    '../_base_/mixers/manifold_mixup.py',
]
model = dict(mixer={{_base_.mixer}})
