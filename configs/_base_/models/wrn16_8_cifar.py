# WRN-16-8, the paper's "W16-8". Embedding 512x8x8 @ 32x32. AlignMixup's
# layout (its cifar10_100/models/WideResnet.py, the code base of paper A.1):
# wide_basic blocks (second conv strided, biases, projection of the raw
# input) and a final BN with PyTorch momentum 0.9. Ours: block='preact',
# final_norm_cfg=None.
model = dict(
    type='MultiMixClassifier',
    backbone=dict(type='WideResNet', depth=16, widen_factor=8,
                  out_indices=(2, ), block='wide_basic',
                  final_norm_cfg=dict(type='BN', momentum=0.9)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=512,
        # the training loss on (mixed) soft targets, eq. 1 / 15; no label
        # smoothing
        loss=dict(type='WeightedSoftCrossEntropyLoss', loss_weight=1.0)))
# no `mixer` here: baselines train without mixing; variants add one
