# PreActResNet-18 (CIFAR stem), the paper's "R-18". Embedding 512x4x4 @ 32x32.
model = dict(
    type='MultiMixClassifier',
    backbone=dict(type='PreActResNet', depth=18, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=512),
    # training loss on (mixed) soft targets, eq. 1 / 15; no label smoothing
    loss=dict(type='WeightedSoftCrossEntropyLoss', loss_weight=1.0))
# no `mixer` here: baselines train without mixing; variants add one
