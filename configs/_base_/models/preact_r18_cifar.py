# PreActResNet-18 (CIFAR stem), the paper's "R-18". Embedding 512x4x4 @ 32x32.
# AlignMixup's layout (its cifar10_100/models/resnet.py ResNet18(), the code
# base of paper A.1): conv3x3-BN-ReLU stem, identity shortcuts from the
# activated input, no BN-ReLU after layer4 (embeddings can be negative).
# He et al.'s layout: stem_norm=False, identity_from='input', final_norm=True.
model = dict(
    type='MultiMixClassifier',
    backbone=dict(type='PreActResNet', depth=18, out_indices=(3, ),
                  stem_norm=True, identity_from='activation',
                  final_norm=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=512,
        # the training loss on (mixed) soft targets, eq. 1 / 15; no label
        # smoothing
        loss=dict(type='WeightedSoftCrossEntropyLoss', loss_weight=1.0)))
# no `mixer` here: baselines train without mixing; variants add one
