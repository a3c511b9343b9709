# mmpretrain ResNet-50. Embedding 2048x7x7 @ 224x224.
model = dict(
    type='MultiMixClassifier',
    backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ),
                  style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2048,
        topk=(1, 5),
        # the training loss on (mixed) soft targets, eq. 1 / 15; no label
        # smoothing
        loss=dict(type='WeightedSoftCrossEntropyLoss', loss_weight=1.0)))
# no `mixer` here: baselines train without mixing; variants add one
