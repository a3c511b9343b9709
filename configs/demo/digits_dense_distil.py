# Digits demo: dense + self-distillation.
_base_ = ['./digits_dense.py', '../_base_/distil.py']
# 300 iterations only: a faster EMA (momentum 0.01 = decay 0.99) so that the
# teacher follows the student within the short schedule
model = dict(distill=dict(gamma=0.5, momentum=0.01))
custom_hooks = {{_base_.distil_hooks}}
val_cfg = {{_base_.distil_val_cfg}}
train_dataloader = dict(dataset=dict(pipeline={{_base_.distil_pipeline}}))
