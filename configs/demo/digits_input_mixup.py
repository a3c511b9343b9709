# Digits demo: input mixup.
_base_ = ['./digits_baseline.py', '../_base_/mixers/input_mixup.py']
model = dict(mixer={{_base_.mixer}})
