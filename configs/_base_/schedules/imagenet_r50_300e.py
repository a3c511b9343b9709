# Paper A.1 (ImageNet, R-50): SGD lr 0.1, momentum 0.9, weight decay 1e-4,
# x0.1 at epochs 100 and 200; m = 128 per GPU.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[100, 200], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=4096, enable=False)
