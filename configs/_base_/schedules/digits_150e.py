# Short CPU schedule for the digits demo (2 iterations per epoch at 10
# images per class, batch 50): 300 SGD steps.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[100, 130], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=150, val_interval=50)
val_cfg = dict()
test_cfg = dict()
