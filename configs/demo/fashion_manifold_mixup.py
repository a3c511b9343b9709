# Fashion-MNIST, CPU-sized: manifold mixup (the paper's settings of
# configs/_base_/mixers/manifold_mixup.py).
_base_ = ['./fashion_baseline.py', '../_base_/mixers/manifold_mixup.py']
model = dict(mixer={{_base_.mixer}})
