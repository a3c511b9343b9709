# r18_fashionmnist: input mixup.
_base_ = ['./r18_fashionmnist_baseline.py', '../_base_/mixers/input_mixup.py']
model = dict(mixer={{_base_.mixer}})
