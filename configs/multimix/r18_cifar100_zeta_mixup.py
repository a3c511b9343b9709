# r18_cifar100: ζ-Mixup (a baseline of the paper;
# configs/_base_/mixers/zeta_mixup.py).
_base_ = ['./r18_cifar100_baseline.py', '../_base_/mixers/zeta_mixup.py']
model = dict(mixer={{_base_.mixer}})
