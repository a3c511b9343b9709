# wrn16-8_cifar10: SaliencyMix (a baseline of the paper;
# configs/_base_/mixers/saliencymix.py).
_base_ = ['./wrn16-8_cifar10_baseline.py', '../_base_/mixers/saliencymix.py']
model = dict(mixer={{_base_.mixer}})
