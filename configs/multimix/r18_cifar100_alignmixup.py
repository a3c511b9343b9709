# r18_cifar100: AlignMixup (a baseline of the paper;
# configs/_base_/mixers/alignmixup.py).
_base_ = ['./r18_cifar100_baseline.py', '../_base_/mixers/alignmixup.py']
model = dict(mixer={{_base_.mixer}})
