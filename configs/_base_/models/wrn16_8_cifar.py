# WRN-16-8, the paper's "W16-8". Embedding 512x8x8 @ 32x32.
model = dict(
    type='MultiMixClassifier',
    backbone=dict(type='WideResNet', depth=16, widen_factor=8,
                  out_indices=(2, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0,
                  label_smooth_val=0.0)),
    mixer=None)
