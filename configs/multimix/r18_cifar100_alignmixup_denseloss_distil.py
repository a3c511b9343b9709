# Table 9: AlignMixup + dense loss + self-distillation (CIFAR-100, R-18).
_base_ = ['./r18_cifar100_alignmixup_denseloss.py', '../_base_/distil.py']
model = dict(distill={{_base_.distill}})
custom_hooks = {{_base_.distil_hooks}}
val_cfg = {{_base_.distil_val_cfg}}
train_dataloader = dict(dataset=dict(pipeline={{_base_.distil_pipeline}}))
