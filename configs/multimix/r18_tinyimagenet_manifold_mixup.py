# r18_tinyimagenet: manifold mixup.
_base_ = [
    './r18_tinyimagenet_baseline.py',
    '../_base_/mixers/manifold_mixup.py',
]
model = dict(mixer={{_base_.mixer}})
