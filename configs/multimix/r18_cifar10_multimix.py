# r18_cifar10: MultiMix (paper defaults).
_base_ = ['./r18_cifar10_baseline.py', '../_base_/mixers/multimix.py']
model = dict(mixer={{_base_.mixer}})
