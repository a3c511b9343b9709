# Fashion-MNIST, CPU-sized: cutmix (the paper's settings of
# configs/_base_/mixers/cutmix.py).
_base_ = ['./fashion_baseline.py', '../_base_/mixers/cutmix.py']
model = dict(mixer={{_base_.mixer}})
