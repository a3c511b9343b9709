# Paper A.1 (ImageNet, ViT-S/16): AdamW (default betas / weight decay) with
# lr 0.01, x0.1 at epochs 100 and 200; m = 128 per GPU.
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.01, weight_decay=0.01))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[100, 200], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=4096, enable=False)
