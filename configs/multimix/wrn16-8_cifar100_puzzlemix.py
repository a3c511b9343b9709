# wrn16-8_cifar100: PuzzleMix (a baseline of the paper;
# configs/_base_/mixers/puzzlemix.py).
_base_ = ['./wrn16-8_cifar100_baseline.py', '../_base_/mixers/puzzlemix.py']
model = dict(mixer={{_base_.mixer}},
             head=dict(loss={{_base_.puzzle_loss}}))
