# r18_tinyimagenet: input mixup.
_base_ = ['./r18_tinyimagenet_baseline.py', '../_base_/mixers/input_mixup.py']
model = dict(mixer={{_base_.mixer}})
