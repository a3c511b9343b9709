# vits16_imagenet: no mixup (paper Table 1/2 'Baseline').
_base_ = [
    '../_base_/models/vit_s16_imagenet.py', '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_vit_300e.py', '../_base_/default_runtime.py'
]
model = dict(head=dict(num_classes=1000))
