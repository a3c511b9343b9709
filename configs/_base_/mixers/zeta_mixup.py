# zeta-Mixup (Abhishek et al. 2022), as its official code: every example a
# convex combination of the whole batch with p-series weights k^-2.8, the
# largest on itself; every batch mixed, in input space.
mixer = dict(type='ZetaMixup', gamma=2.8)
