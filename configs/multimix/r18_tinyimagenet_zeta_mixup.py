# r18_tinyimagenet: ζ-Mixup (a baseline of the paper;
# configs/_base_/mixers/zeta_mixup.py).
_base_ = ['./r18_tinyimagenet_baseline.py', '../_base_/mixers/zeta_mixup.py']
model = dict(mixer={{_base_.mixer}})
