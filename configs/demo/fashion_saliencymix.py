# Fashion-MNIST, CPU-sized: SaliencyMix (the paper's baseline; settings of
# configs/_base_/mixers/saliencymix.py).
_base_ = ['./fashion_baseline.py', '../_base_/mixers/saliencymix.py']
model = dict(mixer={{_base_.mixer}})
