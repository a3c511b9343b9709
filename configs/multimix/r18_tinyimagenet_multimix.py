# r18_tinyimagenet: MultiMix (paper defaults).
_base_ = ['./r18_tinyimagenet_baseline.py', '../_base_/mixers/multimix.py']
model = dict(mixer={{_base_.mixer}})
