# r50_imagenet: PuzzleMix with the values of the official fast ImageNet code
# (imagenet_fast/main_fast.py of snu-mllab/PuzzleMix, its phases 1-2):
# label smoothness 1.5 and the clean loss CE trained beside the mixed
# pair's CE (clean_lam 1, the ImageNet form). Not reproduced here: that
# code's three phases of progressive resizing (160 / 352 px) with clean_lam
# 0 in the last, its apex fp16 and batch 448; the schedule is this
# project's 300-epoch R-50 one (r50_imagenet_baseline.py).
_base_ = ['./r50_imagenet_baseline.py', '../_base_/mixers/puzzlemix.py']
model = dict(mixer={{_base_.mixer_imagenet_fast}},
             head=dict(loss={{_base_.puzzle_loss_imagenet}}))
