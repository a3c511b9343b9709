# SSD300 with our ImageNet R-50 on Pascal VOC07+12 trainval -> VOC07 test,
# 11-point mAP (paper Table 4, CutMix's transfer setting). mmdet's own SSD300
# VOC config, with the VGG backbone replaced by ResNet-50 (layer2-4 feed an
# SSD neck that adds three extra levels: 38, 19, 10, 5, 3, 1).
# Backbone weights: tools/convert_backbone.py output, set with
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = ['mmdet::pascal_voc/ssd300_voc0712.py']
custom_imports = dict(imports=['mmmultimix'], allow_failed_imports=False)

pretrained = 'work_dirs/r50_imagenet_dense_distil/backbone.pth'
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],  # our R-50's ImageNet normalisation
        bgr_to_rgb=True),
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(
            type='StrictPretrained', checkpoint=pretrained,
            prefix='backbone.')),
    neck=dict(
        in_channels=(512, 1024, 2048),
        out_channels=(512, 1024, 2048, 512, 256, 256),
        level_strides=(2, 2, 1),
        level_paddings=(1, 1, 0),
        l2_norm_scale=None),
    # FixedSSDHead = mmdet's SSDHead with the mmdet 3.3.0 predict() fix
    bbox_head=dict(
        type='FixedSSDHead', in_channels=(512, 1024, 2048, 512, 256, 256)))
# 11-point VOC07 mAP, as the paper (mmdet's default for this config)
val_evaluator = dict(type='VOCMetric', metric='mAP', eval_mode='11points')
test_evaluator = val_evaluator
# write-then-rename checkpoints (the best too), the last 3 periodic ones and
# the best by validation mAP kept
default_hooks = dict(
    checkpoint=dict(_delete_=True, type='SafeCheckpointHook', interval=1,
                    max_keep_ckpts=3, save_best='auto'))
