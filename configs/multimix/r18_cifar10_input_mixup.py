# r18_cifar10: input mixup.
_base_ = ['./r18_cifar10_baseline.py', '../_base_/mixers/input_mixup.py']
model = dict(mixer={{_base_.mixer}})
