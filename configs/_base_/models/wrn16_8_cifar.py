# WRN-16-8, the paper's "W16-8". Embedding 512x8x8 @ 32x32.
model = dict(
    type='MultiMixClassifier',
    backbone=dict(type='WideResNet', depth=16, widen_factor=8,
                  out_indices=(2, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=512),
    # training loss on (mixed) soft targets, eq. 1 / 15; no label smoothing
    loss=dict(type='WeightedSoftCrossEntropyLoss', loss_weight=1.0))
# no `mixer` here: baselines train without mixing; variants add one
