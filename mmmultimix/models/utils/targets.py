"""Training targets and the checks on what the network returns."""
from typing import List

import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample
from torch import Tensor

__all__ = ['soft_targets', 'check_labels', 'check_finite', 'soft_accuracy']


def soft_targets(data_samples: List[DataSample], num_classes: int,
                 device) -> Tensor:
    """``(m, c)`` targets: stacked ``gt_score`` if present, else one-hot
    ``gt_label``. Raises if labels do not fit ``head.num_classes``."""
    c = num_classes
    if 'gt_score' in data_samples[0]:
        y = torch.stack([s.gt_score for s in data_samples]).to(device)
        if y.shape[1] != c:
            raise ValueError(f'gt_score has {y.shape[1]} classes but '
                             f'model.head.num_classes = {c}')
        return y.float()
    labels = check_labels(data_samples, c).to(device)
    return F.one_hot(labels.long(), c).float()


def check_labels(data_samples: List[DataSample], num_classes: int,
                 unlabelled_ok: bool = False) -> Tensor:
    """The ``(m,)`` ``gt_label`` of the samples, checked against
    ``model.head.num_classes`` (in training, and at test time with
    ``unlabelled_ok``: -1 marks an unlabelled image, e.g. OOD)."""
    c = num_classes
    labels = torch.cat([s.gt_label for s in data_samples])
    if labels.numel() != len(data_samples):
        raise ValueError('MultiMixClassifier expects one gt_label per '
                         'sample (single-label classification)')
    checked = labels[labels != -1] if unlabelled_ok else labels
    if checked.numel() and (checked.min() < 0 or checked.max() >= c):
        raise ValueError(f'labels must lie in [0, {c - 1}] '
                         f'(model.head.num_classes = {c}), got '
                         f'[{int(checked.min())}, {int(checked.max())}]')
    return labels


def check_finite(logits: Tensor) -> None:
    """Fails fast, naming the iteration, on NaN / inf logits (one device
    sync per step)."""
    if bool(torch.isfinite(logits).all()):
        return
    raise FloatingPointError(
        f'non-finite logits (NaN or inf) at {_log_position()}: the features '
        'diverged; lower optim_wrapper.optimizer.lr, check the data, or use '
        '--amp only with bf16')


def _log_position() -> str:
    """Where training is, as the log writes it (1-based): ``Epoch(train)
    [e][i/N]`` for epoch-based loops, ``Iter(train) [k/N]`` otherwise."""
    from mmengine.logging import MessageHub
    hub = MessageHub.get_current_instance()
    it, max_iters = hub.get_info('iter'), hub.get_info('max_iters')
    epoch, max_epochs = hub.get_info('epoch'), hub.get_info('max_epochs')
    if it is None:
        return 'a training iteration'
    if epoch is not None and max_epochs and max_iters:
        per_epoch = max_iters // max_epochs
        i = it - epoch * per_epoch + 1
        if 1 <= i <= per_epoch:
            return (f'Epoch(train) [{epoch + 1}][{i}/{per_epoch}] (global '
                    f'iteration {it + 1})')
    return f'global iteration {it + 1} (1-based, as the log)'


@torch.no_grad()
def soft_accuracy(logits: Tensor, targets: Tensor) -> Tensor:
    """Training accuracy under mixed targets, in %: agreement of the
    predicted class with the argmax of the (mixed) target, over all
    interpolated examples (and positions, for dense). Logged as
    ``acc_soft``; hard accuracy is meaningless for mixed labels."""
    return 100.0 * (logits.argmax(-1) == targets.argmax(-1)).float().mean()
