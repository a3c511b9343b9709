# ImageNet-1k in mmpretrain's layout (train/<wnid>/*.JPEG, val/ + meta/val.txt
# or val/<wnid>/*.JPEG), m = 128 per GPU.
dataset_type = 'ImageNet'
data_root = 'data/imagenet'
img_size = 224
data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
load_pipeline = [dict(type='LoadImageFromFile')]
view_pipeline = [
    dict(type='RandomResizedCrop', scale=img_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = load_pipeline + view_pipeline + [dict(type='PackInputs')]
# two views t ~ T (student) and t' ~ T' (teacher), for self-distillation
distil_pipeline = load_pipeline + [
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=img_size * 8 // 7, edge='short'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
    persistent_workers=True)
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
    persistent_workers=True)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
