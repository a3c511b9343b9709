# Fashion-MNIST, CPU-sized: SaliencyMix (the paper's baseline; settings of
# configs/_base_/mixers/saliencymix.py; the saliency input normalised with
# Fashion-MNIST's own statistics, as the official code normalises with its
# training statistics).
_base_ = ['./fashion_baseline.py', '../_base_/mixers/saliencymix.py']
model = dict(mixer={{_base_.mixer_fashion}})
