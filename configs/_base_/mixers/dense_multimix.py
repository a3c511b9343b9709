# Dense MultiMix (paper 3.4, A.1): MultiMix defaults, interpolating each
# position of the final feature map; attention u = GAP, h = ReLU + l1.
_base_ = ['./multimix.py']
mixer = dict(dense=True, attention='gap', attention_norm='l1relu')
