# Fashion-MNIST, CPU-sized: PuzzleMix with the 28-pixel geometry of
# configs/_base_/mixers/puzzlemix.py (mixer_fashion).
_base_ = ['./fashion_baseline.py', '../_base_/mixers/puzzlemix.py']
model = dict(mixer={{_base_.mixer_fashion}},
             head=dict(loss={{_base_.puzzle_loss}}))
