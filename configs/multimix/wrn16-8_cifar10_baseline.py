# wrn16-8_cifar10: no mixup (paper Table 1/2 'Baseline').
_base_ = [
    '../_base_/models/wrn16_8_cifar.py', '../_base_/datasets/cifar10.py',
    '../_base_/schedules/cifar_2000e.py', '../_base_/default_runtime.py'
]
model = dict(head=dict(num_classes=10))
