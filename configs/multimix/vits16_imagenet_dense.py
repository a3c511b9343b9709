# vits16_imagenet: dense MultiMix on the patch tokens (14x14 grid at 224,
# pooled to 7x7); inference averages the patch tokens.
_base_ = [
    './vits16_imagenet_baseline.py',
    '../_base_/mixers/dense_multimix.py',
]
model = dict(
    backbone=dict(out_type='featmap'),
    neck=None,
    head=dict(
        _delete_=True,
        type='DenseLinearClsHead',
        num_classes=1000,
        in_channels=384,
        dense_size=7,
        topk=(1, 5),
        loss=dict(type='WeightedSoftCrossEntropyLoss', loss_weight=1.0)),
    mixer={{_base_.mixer}})
