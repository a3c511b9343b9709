# CIFAR-10 from the python pickles (cifar-10-batches-py/), never downloaded.
dataset_type = 'OfflineCIFAR10'
data_root = 'data/cifar10'
img_size = 32
data_preprocessor = dict(
    num_classes=10,
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False)
load_pipeline = []
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
test_pipeline = [dict(type='PackInputs')]
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
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
    persistent_workers=True)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
