# MultiMix (paper 4.1/4.4 defaults): n = 1000 tuples at the final embedding,
# alpha ~ U[0.5, 2] per tuple; each batch MultiMix with p = 0.5, else input
# mixup of pairs with Beta(1, 1).
mixer = dict(
    type='MultiMix',
    n=1000,
    alpha=(0.5, 2.0),
    prob=0.5,
    input_alpha=1.0,
    layer='embedding')
