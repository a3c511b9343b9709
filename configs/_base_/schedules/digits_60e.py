# Short CPU schedule for the digits demo (4 iterations per epoch).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[40, 50], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=60, val_interval=20)
val_cfg = dict()
test_cfg = dict()
