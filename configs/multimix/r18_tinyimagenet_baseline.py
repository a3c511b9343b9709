# r18_tinyimagenet: no mixup (paper Table 1/2 'Baseline').
_base_ = [
    '../_base_/models/preact_r18_cifar.py',
    '../_base_/datasets/tiny_imagenet.py',
    '../_base_/schedules/tiny_imagenet_1200e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=200))
