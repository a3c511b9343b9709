# PuzzleMix (Kim et al. 2020), as its official CIFAR command: lambda ~
# Beta(1, 1), 2/4/8/16 blocks per side, 3 labels, beta 1.2, gamma 0.5, eta
# 0.2, neighbourhood 4, transport with t_size 4 and t_eps 0.8, saliency from
# an eval-mode pass whose gradients are discarded (clean_lam 0), no
# adversarial noise (adv_p 0); graph cuts in the training process
# (workers=N solves them in N processes). The official loss: BCE of the
# softmax (puzzle_loss, used as model.head.loss).
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
# ImageNet as the official imagenet/train.py (snu-mllab/PuzzleMix, the
# 300-epoch R-50 code this project's ImageNet schedule matches): mix ratio
# Beta(1, 1), label smoothness 1.2, gamma 0.5, eta 0.2, neigh_size
# min(4, 2) = 2, 3 labels, transport with t_eps 0.8 at the block size,
# block counts 2**randint(1, 5), clean_lam 0 (its default: the saliency
# pass in eval mode, its gradients discarded), graph cuts in worker
# processes (its --mp). Its loss is lam * CE(y) + (1 - lam) * CE(y_pi),
# averaged: the classifier's default soft cross-entropy with the mixed
# targets (puzzle_loss_imagenet), and a clean loss, where clean_lam > 0,
# of the ImageNet form clean_lam * CE.
mixer_imagenet = dict(mixer, neigh_size=2, t_size=-1, clean_lam=0.0,
                      clean_loss='imagenet', workers=4)
puzzle_loss_imagenet = dict(type='WeightedSoftCrossEntropyLoss')
# the official imagenet_fast/main_fast.py (its configs/puzzlemix phases):
# label smoothness 1.5 and the clean loss CE kept (clean_lam 1) in phases 1
# and 2 (phase 3: 0); the rest as mixer_imagenet
mixer_imagenet_fast = dict(mixer_imagenet, beta=1.5, clean_lam=1.0)
# 28-pixel Fashion-MNIST: 2, 7 or 14 blocks per side (14-, 4- and 2-pixel
# blocks, as 2..16 blocks tile 32-pixel CIFAR), 2-pixel neighbourhoods and
# transport tiles so that each divides every block.
mixer_fashion = dict(mixer, block_nums=(2, 7, 14), neigh_size=2, t_size=2)
