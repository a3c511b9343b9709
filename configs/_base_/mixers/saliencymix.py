# SaliencyMix (Uddin et al. 2021), as its official CIFAR code: with
# probability 0.5 a batch is mixed, lambda ~ Beta(1, 1); a box of side
# sqrt(1 - lambda) around the fine-grained saliency peak of one partner image
# is pasted into every image, lambda corrected to the box area.
mixer = dict(type='SaliencyMix', alpha=1.0, prob=0.5)
