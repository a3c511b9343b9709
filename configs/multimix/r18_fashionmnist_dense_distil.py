# r18_fashionmnist: dense MultiMix + self-distillation.
_base_ = ['./r18_fashionmnist_dense.py', '../_base_/distil.py']
model = dict(distill={{_base_.distill}})
custom_hooks = {{_base_.distil_hooks}}
val_cfg = {{_base_.distil_val_cfg}}
train_dataloader = dict(dataset=dict(pipeline={{_base_.distil_pipeline}}))
