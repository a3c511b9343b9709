# Table 9: AlignMixup + self-distillation (CIFAR-100, R-18). The teacher
# mixes its view with the student's lambda, partners, direction and branch;
# it aligns its own feature maps (docs/where-the-paper-is-silent.md).
_base_ = ['./r18_cifar100_alignmixup.py', '../_base_/distil.py']
model = dict(distill={{_base_.distill}})
custom_hooks = {{_base_.distil_hooks}}
val_cfg = {{_base_.distil_val_cfg}}
train_dataloader = dict(dataset=dict(pipeline={{_base_.distil_pipeline}}))
