# The CIFAR recipe of paper A.1 (SGD, lr 0.1, momentum 0.9, weight decay
# 1e-4, m = 128, lr divided by 10 at fixed fractions of training) shortened
# for Fashion-MNIST's 55,000 training images: 100 epochs (43,000 steps), lr
# /10 at epochs 50 and 75. Not a paper setting.
_base_ = ['./cifar_2000e.py']
param_scheduler = dict(milestones=[50, 75])
train_cfg = dict(max_epochs=100, val_interval=5)
