# Manifold mixup (Verma et al. 2019): pairs at a random layer in {0, 1, 2}.
mixer = dict(type='ManifoldMixup', alpha=2.0, layers=(0, 1, 2))
