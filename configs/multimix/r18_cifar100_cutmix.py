# r18_cifar100: CutMix (Table 9 baseline method).
_base_ = ['./r18_cifar100_baseline.py', '../_base_/mixers/cutmix.py']
model = dict(mixer={{_base_.mixer}})
