# Faster R-CNN R-50-FPN, 1x schedule, COCO train2017 -> val2017 bbox mAP
# (paper Table 4), with our ImageNet R-50. Backbone weights:
# tools/convert_backbone.py output, set with
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py']
custom_imports = dict(imports=['mmmultimix'], allow_failed_imports=False)

pretrained = 'work_dirs/r50_imagenet_dense_distil/backbone.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='StrictPretrained',
            checkpoint=pretrained,
            prefix='backbone.')))
# write-then-rename checkpoints (the best too), the last 3 periodic ones and
# the best by validation mAP kept
default_hooks = dict(
    checkpoint=dict(_delete_=True, type='SafeCheckpointHook', interval=1,
                    max_keep_ckpts=3, save_best='auto'))
