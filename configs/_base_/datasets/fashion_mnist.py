# Fashion-MNIST (Xiao et al. 2017): 70,000 real 28x28 grayscale product
# photos, 10 classes, read from the local idx files (Debian's package
# dataset-fashion-mnist, installed by tools/setup_env.sh); never downloaded.
# The official 60,000 are split once (seeded, stratified) into 55,000 train /
# 5,000 val; the official 10,000 are the test set, used only for the final
# numbers. data_root=None searches data/fashion-mnist, then
# /usr/share/datasets/fashion-mnist. Loaders and the CIFAR augmentation
# (random crop with padding 4, horizontal flip) come from cifar10.py.
_base_ = ['./cifar10.py']
split_cfg = dict(type='FashionMNISTSplit', data_root=None, val_size=5000,
                 split_seed=0)
data_preprocessor = dict(num_classes=10, mean=[72.94], std=[90.02])
view_pipeline = [
    dict(type='RandomCrop', crop_size=28, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = view_pipeline + [dict(type='PackInputs')]
distil_pipeline = [
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs')
]
train_dataloader = dict(
    num_workers=2,
    dataset=dict(split='train', pipeline=train_pipeline, **split_cfg))
val_dataloader = dict(batch_size=256, num_workers=2,
                      dataset=dict(split='val', **split_cfg))
test_dataloader = dict(batch_size=256, num_workers=2,
                       dataset=dict(split='test', **split_cfg))
