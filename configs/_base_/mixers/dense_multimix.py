# Dense MultiMix (paper 3.4, A.1): MultiMix defaults, interpolating each
# position of the final feature map; attention u = GAP, h = ReLU + l1.
mixer = dict(
    type='MultiMix',
    n=1000,
    alpha=(0.5, 2.0),
    prob=0.5,
    input_alpha=1.0,
    layer='embedding',
    dense=True,
    attention='gap',
    attention_norm='l1relu')
