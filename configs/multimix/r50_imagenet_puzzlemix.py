# r50_imagenet: PuzzleMix as the official ImageNet code imagenet/train.py
# of snu-mllab/PuzzleMix (the 300-epoch R-50 code): the mixed pair's
# cross-entropy lam * CE(y) + (1 - lam) * CE(y_pi) (not the CIFAR code's
# SoftmaxBCELoss, whose class average makes gradients ~1000x smaller at
# 1000 classes), clean_lam 0, the settings of
# configs/_base_/mixers/puzzlemix.py (mixer_imagenet). The other official
# ImageNet code (imagenet_fast) is r50_imagenet_puzzlemix_fast.py.
_base_ = ['./r50_imagenet_baseline.py', '../_base_/mixers/puzzlemix.py']
model = dict(mixer={{_base_.mixer_imagenet}},
             head=dict(loss={{_base_.puzzle_loss_imagenet}}))
