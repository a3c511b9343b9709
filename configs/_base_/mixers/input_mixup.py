# Input mixup (Zhang et al. 2018): m pairs, lambda ~ Beta(alpha, alpha).
mixer = dict(type='InputMixup', alpha=1.0)
