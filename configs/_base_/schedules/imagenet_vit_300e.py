# Paper A.1 (ImageNet, ViT-S/16): the R-50 schedule with AdamW (default
# betas / weight decay) at lr 0.01, x0.1 at epochs 100 and 200.
_base_ = ['./imagenet_r50_300e.py']
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=0.01, weight_decay=0.01))
