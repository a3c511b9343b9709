# r18_tinyimagenet: PuzzleMix with the settings of
# configs/_base_/mixers/puzzlemix.py
# (mixer_tinyimagenet).
_base_ = ['./r18_tinyimagenet_baseline.py', '../_base_/mixers/puzzlemix.py']
model = dict(mixer={{_base_.mixer_tinyimagenet}},
             head=dict(loss={{_base_.puzzle_loss}}))
