# Paper A.1 (TinyImageNet): SGD 1200 epochs, lr 0.1 x0.1 at 600 and 900,
# momentum 0.9, weight decay 1e-4, m = 128 per GPU.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[600, 900], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=1200, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256, enable=False)
