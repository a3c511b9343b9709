# MultiMix (paper 4.1/4.4 defaults): n = 1000 tuples at the final embedding,
# alpha ~ U[0.5, 2] per tuple; each batch MultiMix with p = 0.5, else input
# mixup of pairs with Beta(2, 2): the paper trains with AlignMixup's settings
# (A.1), whose 50/50 input/feature mixing draws lambda ~ Beta(2, 2) (its
# --alpha 2.0 default).
mixer = dict(
    type='MultiMix',
    n=1000,
    alpha=(0.5, 2.0),
    prob=0.5,
    input_alpha=2.0,
    layer='embedding')
