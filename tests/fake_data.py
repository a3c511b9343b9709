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
