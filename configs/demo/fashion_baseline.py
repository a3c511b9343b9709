# Fashion-MNIST, CPU-sized (the study of tools/analysis/reproduce.py on 2
# cores): no mixup. The paper's R-18 layout (PreActResNet-18, AlignMixup's
# blocks) at 1/8 width (base_channels 8: 64x4x4 embedding at 28x28) and the
# CIFAR recipe of paper A.1 (SGD lr 0.1, momentum 0.9, weight decay 1e-4,
# m = 128, lr /10 at 1/2 and 3/4 of training) on a seeded stratified subset
# of num_per_class images per class of the 55,000 training images. Width,
# subset and epochs are set by the CPU budget (the study varies the latter
# two); the val split (5,000) selects the schedule, the test set (10,000)
# only reports. Loaders run in-process (num_workers=0).
_base_ = [
    '../_base_/models/preact_r18_cifar.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashionmnist_100e.py', '../_base_/default_runtime.py'
]
num_per_class = 100
model = dict(
    backbone=dict(in_channels=1, base_channels=8),
    head=dict(num_classes=10, in_channels=64),
    channels_last=True)
# view_pipeline's augmentation (random crop 28 with padding 4, horizontal
# flip) done for the whole batch in the collate (crop_flip_collate): the same
# batches, bit for bit, as the per-sample pipeline, at a fraction of its cost
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    collate_fn=dict(type='crop_flip_collate', crop_size=28, padding=4,
                    flip_prob=0.5),
    dataset=dict(num_per_class=num_per_class, pipeline=[]))
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = dict(num_workers=0, persistent_workers=False)
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=50, max_keep_ckpts=1))
