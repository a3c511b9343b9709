# CutMix (Yun et al. 2019): a box of area (1 - lambda), lambda ~ Beta(1, 1).
mixer = dict(type='CutMix', alpha=1.0)
