# r50_imagenet: MultiMix (paper defaults).
_base_ = ['./r50_imagenet_baseline.py', '../_base_/mixers/multimix.py']
model = dict(mixer={{_base_.mixer}})
