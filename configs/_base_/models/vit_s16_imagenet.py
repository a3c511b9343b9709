# ViT-S/16 (DeiT-small) from mmpretrain. Embedding: the class token.
model = dict(
    type='MultiMixClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch='deit-small',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=1000,
        in_channels=384,
        topk=(1, 5),
        # the training loss on (mixed) soft targets, eq. 1 / 15; no label
        # smoothing
        loss=dict(type='WeightedSoftCrossEntropyLoss', loss_weight=1.0)))
# no `mixer` here: baselines train without mixing; variants add one
