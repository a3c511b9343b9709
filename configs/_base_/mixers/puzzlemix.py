# PuzzleMix (Kim et al. 2020), as its official CIFAR command: lambda ~
# Beta(1, 1), 2/4/8/16 blocks per side, 3 labels, beta 1.2, gamma 0.5, eta
# 0.2, neighbourhood 4, transport with t_size 4 and t_eps 0.8, saliency from
# an eval-mode pass whose gradients are discarded (clean_lam 0), no
# adversarial noise (adv_p 0); graph cuts in the training process
# (workers=N solves them in N processes). The official loss: BCE of the
# softmax (puzzle_loss, used as model.loss).
mixer = dict(
    type='PuzzleMix',
    alpha=1.0,
    block_nums=(2, 4, 8, 16),
    beta=1.2,
    gamma=0.5,
    eta=0.2,
    neigh_size=4,
    n_labels=3,
    transport=True,
    t_eps=0.8,
    t_size=4,
    clean_lam=0.0,
    adv_p=0.0,
    adv_eps=10.0,
    workers=0)
puzzle_loss = dict(type='SoftmaxBCELoss')
# TinyImageNet (official settings): transport at the block size, clean
# loss kept.
mixer_tinyimagenet = dict(mixer, t_size=-1, clean_lam=1.0)
# ImageNet (as the official ImageNet code: clean loss kept, transport at the
# block size); a 2-pixel neighbourhood divides every block of 224-pixel
# crops (224 / 16 = 14); graph cuts in 4 worker processes.
mixer_imagenet = dict(mixer, neigh_size=2, t_size=-1, clean_lam=1.0,
                      workers=4)
# 28-pixel Fashion-MNIST: 2, 7 or 14 blocks per side (14-, 4- and 2-pixel
# blocks, as 2..16 blocks tile 32-pixel CIFAR), 2-pixel neighbourhoods and
# transport tiles so that each divides every block.
mixer_fashion = dict(mixer, block_nums=(2, 7, 14), neigh_size=2, t_size=2)
