# TinyImageNet-200 (64x64) from its archive layout (train/<wnid>/images,
# val/val_annotations.txt), never downloaded.
dataset_type = 'TinyImageNet'
data_root = 'data/tiny-imagenet-200'
img_size = 64
data_preprocessor = dict(
    num_classes=200,
    mean=[122.4786, 114.2755, 101.3963],
    std=[70.4924, 68.5679, 71.8127],
    to_rgb=True)
load_pipeline = [dict(type='LoadImageFromFile')]
view_pipeline = [
    dict(type='RandomCrop', crop_size=img_size, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = load_pipeline + view_pipeline + [dict(type='PackInputs')]
# two views t ~ T (student) and t' ~ T' (teacher), for self-distillation
distil_pipeline = load_pipeline + [
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs')
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
    persistent_workers=True)
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
    persistent_workers=True)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
