# r50_imagenet: manifold mixup.
_base_ = ['./r50_imagenet_baseline.py', '../_base_/mixers/manifold_mixup.py']
model = dict(mixer={{_base_.mixer}})
