# Fashion-MNIST, CPU-sized: dense MultiMix + self-distillation. The
# schedule is a few hundred steps: momentum 0.01 (decay 0.99, a time
# constant of 100 steps, as the digits demo) instead of the paper's 0.001,
# so that the teacher follows the student; derived from the schedule
# length, not tuned.
_base_ = ['./fashion_dense.py', '../_base_/distil.py']
model = dict(distill=dict(gamma=0.5, momentum=0.01))
custom_hooks = {{_base_.distil_hooks}}
val_cfg = {{_base_.distil_val_cfg}}
# two views (student, teacher) of every image, batched: distil_pipeline's
# MultiView as crop_flip_collate's num_views=2
train_dataloader = dict(collate_fn=dict(num_views=2),
                        dataset=dict(pipeline=[]))
