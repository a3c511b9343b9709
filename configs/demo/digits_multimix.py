# Digits demo: MultiMix with the paper's defaults (n = 1000, p = 0.5).
_base_ = ['./digits_baseline.py', '../_base_/mixers/multimix.py']
model = dict(mixer={{_base_.mixer}})
