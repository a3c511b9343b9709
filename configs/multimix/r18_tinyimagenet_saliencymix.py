# r18_tinyimagenet: SaliencyMix (a baseline of the paper;
# configs/_base_/mixers/saliencymix.py), the saliency input normalised as the
# official ImageNet code.
_base_ = ['./r18_tinyimagenet_baseline.py', '../_base_/mixers/saliencymix.py']
model = dict(mixer={{_base_.mixer_imagenet}})
