# Fashion-MNIST, CPU-sized: input mixup + self-distillation (paper Table 9:
# distillation on another mixup method). The teacher of ./fashion_distil.py
# (momentum 0.01 for schedules of a few hundred steps) with the input mixup
# of ./fashion_input_mixup.py (configs/_base_/mixers/input_mixup.py) in place
# of MultiMix.
_base_ = ['./fashion_distil.py']
model = dict(mixer=dict(_delete_=True, type='InputMixup', alpha=1.0))
