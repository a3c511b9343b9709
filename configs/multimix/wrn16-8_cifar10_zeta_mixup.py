# wrn16-8_cifar10: ζ-Mixup (a baseline of the paper;
# configs/_base_/mixers/zeta_mixup.py).
_base_ = ['./wrn16-8_cifar10_baseline.py', '../_base_/mixers/zeta_mixup.py']
model = dict(mixer={{_base_.mixer}})
