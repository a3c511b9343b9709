# Small pre-activation WRN-10-2 for 8x8 grayscale digits: 128x2x2 embedding.
model = dict(
    type='MultiMixClassifier',
    backbone=dict(type='WideResNet', depth=10, widen_factor=2, in_channels=1,
                  out_indices=(2, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        # the training loss on (mixed) soft targets, eq. 1 / 15; no label
        # smoothing
        loss=dict(type='WeightedSoftCrossEntropyLoss', loss_weight=1.0)))
# no `mixer` here: baselines train without mixing; variants add one
