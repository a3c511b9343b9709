# r18_fashionmnist: cutmix.
_base_ = ['./r18_fashionmnist_baseline.py', '../_base_/mixers/cutmix.py']
model = dict(mixer={{_base_.mixer}})
