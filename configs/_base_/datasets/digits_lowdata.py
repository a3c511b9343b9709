# scikit-learn's bundled digits (real 8x8 grayscale, 10 classes; no download).
# Fixed stratified split: 70 % train / 30 % test (540 images); low-data
# training subset of 10 images per class (100 images).
dataset_type = 'Digits'
num_per_class = 10
data_preprocessor = dict(num_classes=10, mean=[78.0], std=[96.0],
                         to_rgb=False)
load_pipeline = []
view_pipeline = [
    dict(type='RandomCrop', crop_size=8, padding=1),
]
train_pipeline = load_pipeline + view_pipeline + [dict(type='PackInputs')]
# two views t ~ T (student) and t' ~ T' (teacher), for self-distillation
distil_pipeline = load_pipeline + [
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs')
]
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=50,
    num_workers=0,
    dataset=dict(type=dataset_type, split='train', num_per_class=num_per_class,
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
