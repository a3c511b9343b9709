# AlignMixup (Venkataramanan et al. 2022), as its official code: one
# lambda ~ Beta(2, 2) and one permutation per batch; with probability 0.5
# input mixup, else aligned mixup of the last feature map (Sinkhorn OT,
# eps 0.1, at most 100 iterations, stop at 0.1; one of the two directions
# drawn uniformly).
mixer = dict(type='AlignMixup', alpha=2.0, prob=0.5, eps=0.1, max_iter=100,
             thresh=0.1)
