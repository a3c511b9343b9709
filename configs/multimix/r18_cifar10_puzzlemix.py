# r18_cifar10: PuzzleMix (a baseline of the paper;
# configs/_base_/mixers/puzzlemix.py).
_base_ = ['./r18_cifar10_baseline.py', '../_base_/mixers/puzzlemix.py']
model = dict(mixer={{_base_.mixer}},
             head=dict(loss={{_base_.puzzle_loss}}))
