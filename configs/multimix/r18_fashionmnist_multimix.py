# r18_fashionmnist: multimix.
_base_ = ['./r18_fashionmnist_baseline.py', '../_base_/mixers/multimix.py']
model = dict(mixer={{_base_.mixer}})
