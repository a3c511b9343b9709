# Fashion-MNIST, CPU-sized: multimix (the paper's settings of
# configs/_base_/mixers/multimix.py).
_base_ = ['./fashion_baseline.py', '../_base_/mixers/multimix.py']
model = dict(mixer={{_base_.mixer}})
