"""Detection transfer: our classifier's R-50 into mmdet SSD / Faster R-CNN."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

import fake_data
from runlog import scalars
import mmmultimix  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DET = osp.join(ROOT, 'configs', 'detection')


@pytest.fixture(scope='module')
def classifier_ckpt(tmp_path_factory):
    """A checkpoint produced by our classifier: r50_imagenet_dense_distil,
    2 iterations on tiny ImageNet-format data (student and teacher)."""
    from mmengine.runner import Runner
    from test_configs import shrink
    tmp = tmp_path_factory.mktemp('cls')
    roots = {'ImageNet': fake_data.make_imagenet(str(tmp / 'imagenet'))}
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'multimix',
                                   'r50_imagenet_dense_distil.py'))
    cfg = shrink(cfg, roots, str(tmp / 'work'))
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    ckpt = osp.join(str(tmp / 'work'), 'epoch_1.pth')
    state = torch.load(ckpt)['state_dict']
    assert any(k.startswith('teacher.module.backbone.') for k in state)
    return ckpt, state


@pytest.fixture(scope='module')
def backbone_ckpt(classifier_ckpt, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('bb') / 'backbone.pth')
    proc = subprocess.run(
        [sys.executable, 'tools/convert_backbone.py', classifier_ckpt[0], out],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert 'missing keys: 0' in proc.stdout
    assert 'unexpected keys: 0' in proc.stdout
    return out


@pytest.mark.parametrize('name', ['ssd300_r50_voc0712.py',
                                  'faster-rcnn_r50_fpn_1x_coco.py'])
def test_backbone_flows_into_detector(name, classifier_ckpt, backbone_ckpt):
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(osp.join(DET, name))
    cfg.model.backbone.init_cfg.checkpoint = backbone_ckpt
    with DefaultScope.overwrite_default_scope('mmdet'):
        det = MODELS.build(cfg.model)
        det.init_weights()
    state = classifier_ckpt[1]
    det_state = det.backbone.state_dict()
    checked = 0
    for k, v in det_state.items():
        if k.endswith('num_batches_tracked'):
            continue
        assert torch.equal(v, state['backbone.' + k]), k  # the student's
        checked += 1
    assert checked == len([k for k in det_state
                           if not k.endswith('num_batches_tracked')]) > 200
    # the teacher did not leak in: its weights differ from the student's
    diff = [k for k in det_state if not k.endswith('num_batches_tracked')
            and not torch.equal(state['backbone.' + k],
                                state['teacher.module.backbone.' + k])]
    assert diff


def test_missing_backbone_keys_fail_loudly(backbone_ckpt, tmp_path):
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope
    ckpt = torch.load(backbone_ckpt)
    del ckpt['state_dict']['backbone.layer4.2.conv3.weight']
    bad = str(tmp_path / 'bad.pth')
    torch.save(ckpt, bad)
    cfg = Config.fromfile(osp.join(DET, 'ssd300_r50_voc0712.py'))
    cfg.model.backbone.init_cfg.checkpoint = bad
    with DefaultScope.overwrite_default_scope('mmdet'):
        det = MODELS.build(cfg.model)
        with pytest.raises(KeyError, match='layer4.2.conv3.weight'):
            det.init_weights()


def _tiny_cfg(tmp_path, base, body):
    """``base`` with ``body`` (data overrides), trained for one epoch of 2
    iterations with one validation, at a constant learning rate."""
    path = tmp_path / 'tiny.py'
    path.write_text(f"_base_ = ['{base}']\n" + body + """
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = []
default_hooks = dict(logger=dict(interval=1))
""")
    return str(path)


def _train_and_eval(cfg_path, work):
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', cfg_path, '--work-dir', work],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return scalars(work)


def test_ssd_voc_two_iterations_and_map(backbone_ckpt, tmp_path):
    voc = fake_data.make_voc(str(tmp_path / 'VOCdevkit'))
    body = f"""
model = dict(backbone=dict(init_cfg=dict(checkpoint='{backbone_ckpt}')))
voc = dict(type='VOCDataset', data_root='{voc}/',
           filter_cfg=dict(filter_empty_gt=True, min_size=32),
           pipeline={{{{_base_.train_pipeline}}}})
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='ConcatDataset',
                 ignore_keys=['dataset_type'], datasets=[
        dict(voc, ann_file='VOC2007/ImageSets/Main/trainval.txt',
             data_prefix=dict(sub_data_root='VOC2007/')),
        dict(voc, ann_file='VOC2012/ImageSets/Main/trainval.txt',
             data_prefix=dict(sub_data_root='VOC2012/'))]))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root='{voc}/'))
"""
    rows = _train_and_eval(_tiny_cfg(tmp_path, osp.join(
        DET, 'ssd300_r50_voc0712.py'), body), str(tmp_path / 'w'))
    losses = [r for r in rows if 'loss' in r]
    assert [r['step'] for r in losses] == [1, 2]
    assert all(r['loss'] == r['loss'] for r in losses)
    val = [r for r in rows if 'pascal_voc/mAP' in r]
    assert len(val) == 1 and 0.0 <= val[0]['pascal_voc/mAP'] <= 1.0


def test_faster_rcnn_coco_two_iterations_and_map(backbone_ckpt, tmp_path):
    coco = fake_data.make_coco(str(tmp_path / 'coco'))
    body = f"""
# after 2 iterations every score is tiny: keep all boxes so that
# pycocotools has detections to score
model = dict(backbone=dict(init_cfg=dict(checkpoint='{backbone_ckpt}')),
             test_cfg=dict(rcnn=dict(score_thr=0.0)))
pipe_train = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')]
pipe_test = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape',
         'img_shape', 'scale_factor'))]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root='{coco}/', pipeline=pipe_train))
val_dataloader = dict(batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root='{coco}/', pipeline=pipe_test))
val_evaluator = dict(ann_file='{coco}/annotations/instances_val2017.json')
test_evaluator = val_evaluator
"""
    rows = _train_and_eval(_tiny_cfg(tmp_path, osp.join(
        DET, 'faster-rcnn_r50_fpn_1x_coco.py'), body), str(tmp_path / 'w'))
    losses = [r for r in rows if 'loss' in r]
    assert [r['step'] for r in losses] == [1, 2]
    val = [r for r in rows if 'coco/bbox_mAP' in r]
    assert len(val) == 1, rows
    for k in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/bbox_mAP_75'):
        assert -1.0 <= val[0][k] <= 1.0  # pycocotools: -1 when undefined


@pytest.mark.parametrize('name,missing', [
    ('ssd300_r50_voc0712.py', 'VOC2007/ImageSets/Main/test.txt'),
    ('faster-rcnn_r50_fpn_1x_coco.py', 'annotations/instances_val2017.json'),
])
def test_missing_detection_data_names_the_file(name, missing, tmp_path):
    from mmdet.registry import DATASETS
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(osp.join(DET, name))
    ds = cfg.test_dataloader.dataset
    ds.data_root = str(tmp_path) + '/'
    with DefaultScope.overwrite_default_scope('mmdet'), \
            pytest.raises(FileNotFoundError, match=missing):
        DATASETS.build(ds)
