# Digits demo: manifold mixup.
_base_ = ['./digits_baseline.py', '../_base_/mixers/manifold_mixup.py']
model = dict(mixer={{_base_.mixer}})
