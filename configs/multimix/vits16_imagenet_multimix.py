# vits16_imagenet: MultiMix (paper defaults).
_base_ = ['./vits16_imagenet_baseline.py', '../_base_/mixers/multimix.py']
model = dict(mixer={{_base_.mixer}})
