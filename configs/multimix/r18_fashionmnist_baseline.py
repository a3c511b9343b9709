# r18_fashionmnist: no mixup. The paper's R-18 (PreActResNet-18) on one
# channel; 28x28 inputs give a 512x4x4 embedding map.
_base_ = [
    '../_base_/models/preact_r18_cifar.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fashionmnist_100e.py', '../_base_/default_runtime.py'
]
model = dict(backbone=dict(in_channels=1), head=dict(num_classes=10))
