"""Tiny datasets in their real on-disk formats, for tests."""
import os
import os.path as osp
import pickle

import numpy as np


def _rgb(rng, n, size):
    return rng.randint(0, 256, (n, size, size, 3), dtype=np.uint8)


def make_cifar(root: str, num_classes: int, n_train: int = 8,
               n_test: int = 4, seed: int = 0) -> str:
    """Writes cifar-10-batches-py/ or cifar-100-python/ pickles."""
    rng = np.random.RandomState(seed)
    if num_classes == 10:
        folder = osp.join(root, 'cifar-10-batches-py')
        os.makedirs(folder, exist_ok=True)
        label_key, meta_name, meta_key = 'labels', 'batches.meta', \
            'label_names'
        per = max(1, n_train // 5)
        splits = [(f'data_batch_{i}', per) for i in range(1, 6)]
        splits.append(('test_batch', n_test))
    else:
        folder = osp.join(root, 'cifar-100-python')
        os.makedirs(folder, exist_ok=True)
        label_key, meta_name, meta_key = 'fine_labels', 'meta', \
            'fine_label_names'
        splits = [('train', n_train), ('test', n_test)]
    for name, n in splits:
        data = _rgb(rng, n, 32).transpose(0, 3, 1, 2).reshape(n, -1)
        entry = {'data': data,
                 label_key: rng.randint(0, num_classes, n).tolist()}
        with open(osp.join(folder, name), 'wb') as f:
            pickle.dump(entry, f)
    with open(osp.join(folder, meta_name), 'wb') as f:
        pickle.dump({meta_key: [f'c{i}' for i in range(num_classes)]}, f)
    return root


def _save_jpeg(path, img):
    from PIL import Image
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(img).save(path, format='JPEG')


def make_tiny_imagenet(root: str, num_classes: int = 4, per_class: int = 2,
                       n_val: int = 4, size: int = 64, seed: int = 0) -> str:
    """train/<wnid>/images/*.JPEG, val/images + val_annotations.txt."""
    rng = np.random.RandomState(seed)
    wnids = [f'n{i:08d}' for i in range(num_classes)]
    os.makedirs(root, exist_ok=True)
    with open(osp.join(root, 'wnids.txt'), 'w') as f:
        f.write('\n'.join(wnids) + '\n')
    for w in wnids:
        for j in range(per_class):
            _save_jpeg(osp.join(root, 'train', w, 'images', f'{w}_{j}.JPEG'),
                       _rgb(rng, 1, size)[0])
    lines = []
    for j in range(n_val):
        name = f'val_{j}.JPEG'
        _save_jpeg(osp.join(root, 'val', 'images', name),
                   _rgb(rng, 1, size)[0])
        lines.append(f'{name}\t{wnids[j % num_classes]}\t0\t0\t{size}\t{size}')
    with open(osp.join(root, 'val', 'val_annotations.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return root


def make_imagenet(root: str, num_classes: int = 4, per_class: int = 2,
                  n_val: int = 4, size: int = 40, seed: int = 0) -> str:
    """mmpretrain ImageNet layout: train/<wnid>/*.JPEG, val/*.JPEG and
    meta/{train,val}.txt ("path label" lines)."""
    rng = np.random.RandomState(seed)
    wnids = [f'n{i:08d}' for i in range(num_classes)]
    train_lines, val_lines = [], []
    for c, w in enumerate(wnids):
        for j in range(per_class):
            rel = f'{w}/{w}_{j}.JPEG'
            _save_jpeg(osp.join(root, 'train', rel), _rgb(rng, 1, size)[0])
            train_lines.append(f'{rel} {c}')
    for j in range(n_val):
        rel = f'ILSVRC2012_val_{j:08d}.JPEG'
        _save_jpeg(osp.join(root, 'val', rel), _rgb(rng, 1, size)[0])
        val_lines.append(f'{rel} {j % num_classes}')
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    with open(osp.join(root, 'meta', 'train.txt'), 'w') as f:
        f.write('\n'.join(train_lines) + '\n')
    with open(osp.join(root, 'meta', 'val.txt'), 'w') as f:
        f.write('\n'.join(val_lines) + '\n')
    return root


def _box_image(rng, h, w, boxes):
    img = (rng.rand(h, w, 3) * 60).astype(np.uint8)
    for x1, y1, x2, y2 in boxes:
        img[y1:y2, x1:x2] = rng.randint(120, 255, 3, dtype=np.uint8)
    return img


def make_voc(root: str, n_trainval: int = 2, n_test: int = 2,
             size: int = 96, seed: int = 0) -> str:
    """VOCdevkit/VOC{2007,2012}: Annotations/*.xml, JPEGImages/*.jpg,
    ImageSets/Main/{trainval,test}.txt, drawn rectangles as objects."""
    rng = np.random.RandomState(seed)
    classes = ('car', 'dog', 'person')
    for year, splits in (('VOC2007', {'trainval': n_trainval,
                                      'test': n_test}),
                         ('VOC2012', {'trainval': n_trainval})):
        base = osp.join(root, year)
        for sub in ('Annotations', 'JPEGImages', 'ImageSets/Main'):
            os.makedirs(osp.join(base, sub), exist_ok=True)
        for split, n in splits.items():
            ids = []
            for i in range(n):
                img_id = f'{year[-4:]}_{split}_{i:04d}'
                ids.append(img_id)
                boxes = [(10, 12, 60, 70), (50, 30, 90, 88)]
                _save_jpeg(osp.join(base, 'JPEGImages', img_id + '.jpg'),
                           _box_image(rng, size, size, boxes))
                objs = ''.join(
                    f'<object><name>{classes[(i + j) % 3]}</name><pose>'
                    'Unspecified</pose><truncated>0</truncated><difficult>0'
                    f'</difficult><bndbox><xmin>{b[0]}</xmin><ymin>{b[1]}'
                    f'</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox>'
                    '</object>' for j, b in enumerate(boxes))
                xml = (f'<annotation><folder>{year}</folder><filename>'
                       f'{img_id}.jpg</filename><size><width>{size}</width>'
                       f'<height>{size}</height><depth>3</depth></size>'
                       f'{objs}</annotation>')
                with open(osp.join(base, 'Annotations', img_id + '.xml'),
                          'w') as f:
                    f.write(xml)
            with open(osp.join(base, 'ImageSets', 'Main', f'{split}.txt'),
                      'w') as f:
                f.write('\n'.join(ids) + '\n')
    return root


def make_coco(root: str, n_train: int = 4, n_val: int = 2, size: int = 96,
              seed: int = 0) -> str:
    """annotations/instances_{train,val}2017.json + {train,val}2017/*.jpg."""
    import json
    rng = np.random.RandomState(seed)
    from mmdet.datasets import CocoDataset
    cats = [dict(id=i + 1, name=n)
            for i, n in enumerate(CocoDataset.METAINFO['classes'])]
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    for split, n in (('train2017', n_train), ('val2017', n_val)):
        images, anns = [], []
        for i in range(n):
            boxes = [(8, 10, 50, 60), (40, 30, 90, 90)]
            name = f'{i:012d}.jpg'
            _save_jpeg(osp.join(root, split, name),
                       _box_image(rng, size, size, boxes))
            images.append(dict(id=i + 1, file_name=name, width=size,
                               height=size))
            for j, (x1, y1, x2, y2) in enumerate(boxes):
                anns.append(dict(id=len(anns) + 1, image_id=i + 1,
                                 category_id=cats[2 * (j % 2)]['id'],
                                 bbox=[x1, y1, x2 - x1, y2 - y1],
                                 area=float((x2 - x1) * (y2 - y1)),
                                 iscrowd=0))
        with open(osp.join(root, 'annotations', f'instances_{split}.json'),
                  'w') as f:
            json.dump(dict(images=images, annotations=anns, categories=cats),
                      f)
    return root
