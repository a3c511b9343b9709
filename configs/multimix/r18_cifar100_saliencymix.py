# r18_cifar100: SaliencyMix (a baseline of the paper;
# configs/_base_/mixers/saliencymix.py).
_base_ = ['./r18_cifar100_baseline.py', '../_base_/mixers/saliencymix.py']
model = dict(mixer={{_base_.mixer}})
