# r50_imagenet: PuzzleMix with the settings of configs/_base_/mixers/puzzlemix.py
# (mixer_imagenet).
_base_ = ['./r50_imagenet_baseline.py', '../_base_/mixers/puzzlemix.py']
model = dict(mixer={{_base_.mixer_imagenet}}, loss={{_base_.puzzle_loss}})
