# wrn16-8_cifar10: AlignMixup (a baseline of the paper;
# configs/_base_/mixers/alignmixup.py).
_base_ = ['./wrn16-8_cifar10_baseline.py', '../_base_/mixers/alignmixup.py']
model = dict(mixer={{_base_.mixer}})
