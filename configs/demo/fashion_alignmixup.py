# Fashion-MNIST, CPU-sized: AlignMixup (the paper's baseline; settings of
# configs/_base_/mixers/alignmixup.py).
_base_ = ['./fashion_baseline.py', '../_base_/mixers/alignmixup.py']
model = dict(mixer={{_base_.mixer}})
