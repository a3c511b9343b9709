# SaliencyMix (Uddin et al. 2021), as its official CIFAR code: with
# probability 0.5 a batch is mixed, lambda ~ Beta(1, 1); a box of side
# sqrt(1 - lambda) around the fine-grained saliency peak of one partner image
# is pasted into every image, lambda corrected to the box area.
# the saliency input as the official codes normalise it (torchvision
# Normalize, [0, 1] units), whatever the data preprocessor trains with: the
# CIFAR code uses CIFAR-10's statistics for CIFAR-10 and CIFAR-100 (the
# mixer's default); the ImageNet code ImageNet's (used for TinyImageNet too,
# which the official code does not cover)
mixer = dict(type='SaliencyMix', alpha=1.0, prob=0.5)
saliency_norm_imagenet = dict(mean=[0.485, 0.456, 0.406],
                              std=[0.229, 0.224, 0.225])
mixer_imagenet = dict(mixer, saliency_norm=saliency_norm_imagenet)
# grayscale Fashion-MNIST (no official setting): its own statistics
mixer_fashion = dict(mixer, saliency_norm=dict(mean=[72.94 / 255],
                                               std=[90.02 / 255]))
