# r50_imagenet: input mixup.
_base_ = ['./r50_imagenet_baseline.py', '../_base_/mixers/input_mixup.py']
model = dict(mixer={{_base_.mixer}})
