# Fashion-MNIST, CPU-sized: ζ-Mixup (the paper's baseline; settings of
# configs/_base_/mixers/zeta_mixup.py).
_base_ = ['./fashion_baseline.py', '../_base_/mixers/zeta_mixup.py']
model = dict(mixer={{_base_.mixer}})
