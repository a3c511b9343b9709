# CIFAR-100 from the python pickles (cifar-100-python/), never downloaded:
# CIFAR-10's pipeline and loaders with CIFAR-100's files and statistics.
_base_ = ['./cifar10.py']
dataset_type = 'OfflineCIFAR100'
data_root = 'data/cifar100'
data_preprocessor = dict(
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418])
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
