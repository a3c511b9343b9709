# r18_fashionmnist: manifold mixup.
_base_ = [
    './r18_fashionmnist_baseline.py',
    '../_base_/mixers/manifold_mixup.py',
]
model = dict(mixer={{_base_.mixer}})
