# Paper A.1 (CIFAR-10/100): SGD 2000 epochs, lr 0.1 x0.1 every 500 epochs,
# momentum 0.9, weight decay 1e-4, m = 128.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[500, 1000, 1500],
    gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=2000, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128, enable=False)
