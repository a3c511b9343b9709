# Online self-distillation (paper 3.3, eq. 9; A.1): an EMA teacher of the
# same architecture sees a second view t' ~ T'; gamma = 0.5 weighs the label
# loss against the distillation loss. momentum follows mmengine's convention
# (1 - decay): 0.001 is a decay of 0.999.
distill = dict(gamma=0.5, momentum=0.001)
# hooks of a distillation config (replace `custom_hooks` of the runtime):
# momentum=None uses model.distill.momentum; end_momentum=None keeps it
# constant (set it for a cosine schedule as in BYOL / MoCo v3).
distil_hooks = [
    dict(type='RNGStateHook'),
    dict(type='EMASelfDistillHook', momentum=None, end_momentum=None)
]
# validation logs the student (unprefixed) and the teacher (teacher/...)
distil_val_cfg = dict(type='StudentTeacherValLoop')
