"""Test loop that evaluates under adversarial attacks (gradients on)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.runner import TestLoop
from mmpretrain.registry import LOOPS

from .attacks import check_eps, fgsm, pgd

__all__ = ['AdversarialTestLoop']


@LOOPS.register_module()
class AdversarialTestLoop(TestLoop):
    """mmengine's :class:`TestLoop` (which runs under ``no_grad``) made to
    attack: for every attack, the whole test set is perturbed in ``[0, 1]``
    pixel space — before the data preprocessor's normalisation — and
    evaluated with the config's ``test_evaluator``. Metrics are prefixed by
    the attack name, and ``<name>/error`` (top-1 error, %, as Table 3) is
    added.

    Args:
        runner, dataloader, evaluator, fp16: as in :class:`TestLoop`.
        attacks (Sequence[dict]): each ``dict(type='FGSM', eps=8/255)`` or
            ``dict(type='PGD', eps=4/255, step_size=2/255, steps=10,
            random_start=False)``; an optional ``name``. Defaults to the
            paper's pair: FGSM ε = 8/255 and PGD ε = 4/255, step 2/255, 10
            steps (our documented default; the paper does not state the
            number of steps).
        clean (bool): also evaluate the clean test set (``clean/``).
            Defaults to True.
        attack_samples (int, optional): attack only the first
            ``attack_samples`` test images (the clean set stays whole), as
            the studies do to bound the cost of PGD; under DDP each rank
            attacks its first ``ceil(attack_samples / world_size)``, which
            together are the first ``attack_samples`` of the dataset.
            Defaults to None (all).
    """

    def __init__(self,
                 runner,
                 dataloader,
                 evaluator,
                 attacks: Sequence[dict] = (
                     dict(type='FGSM', eps=8 / 255),
                     dict(type='PGD', eps=4 / 255, step_size=2 / 255,
                          steps=10)),
                 clean: bool = True,
                 attack_samples: Optional[int] = None,
                 fp16: bool = False):
        super().__init__(runner, dataloader, evaluator, fp16)
        self.attacks = [self._check(dict(a)) for a in attacks]
        self.clean = clean
        if attack_samples is not None and (
                isinstance(attack_samples, bool)
                or not isinstance(attack_samples, int) or attack_samples < 1):
            raise ValueError('test_cfg.attack_samples must be an integer >= '
                             f'1 or None (all images), got {attack_samples!r}')
        self.attack_samples = attack_samples

    @staticmethod
    def _check(attack: dict) -> dict:
        kind = attack.get('type')
        if kind not in ('FGSM', 'PGD'):
            raise ValueError("test_cfg.attacks[].type must be 'FGSM' or "
                             f"'PGD', got {kind!r}")
        attack['eps'] = check_eps(attack.get('eps', 8 / 255),
                                  'test_cfg.attacks[].eps')
        attack.setdefault('name', f"{kind.lower()}_eps{attack['eps']:.4g}")
        return attack

    # -- pixel space <-> model input -------------------------------------
    def _pixel_fns(self, model):
        pre = model.data_preprocessor
        if getattr(pre, '_enable_normalize', False):
            mean, std = pre.mean, pre.std
        else:
            mean = std = None

        def to_pixels(inputs):  # preprocessed -> [0, 1]
            x = inputs * std + mean if mean is not None else inputs
            return x / 255.0

        def to_inputs(x01):  # [0, 1] -> preprocessed
            x = x01 * 255.0
            return (x - mean) / std if mean is not None else x

        return to_pixels, to_inputs

    def _attack(self, model, data: dict, attack: Optional[dict]):
        inputs, samples = data['inputs'], data['data_samples']
        if attack is None or attack['eps'] == 0:
            return inputs
        to_pixels, to_inputs = self._pixel_fns(model)
        labels = torch.cat([s.gt_label for s in samples]).to(inputs.device)
        x01 = to_pixels(inputs).clamp(0.0, 1.0)

        def logits_fn(x):
            return model(to_inputs(x), mode='tensor')

        if attack['type'] == 'FGSM':
            adv = fgsm(logits_fn, x01, labels, attack['eps'])
        else:
            adv = pgd(logits_fn, x01, labels, attack['eps'],
                      attack.get('step_size', 2 / 255),
                      attack.get('steps', 10),
                      attack.get('random_start', False))
        return to_inputs(adv)

    def _size(self, attack: Optional[dict]) -> Tuple[int, int]:
        """Images evaluated in all and on this rank (``attack_samples``
        for an attack, all for the clean set)."""
        from mmengine.dist import get_world_size
        total = len(self.dataloader.dataset)
        if attack is None or self.attack_samples is None or \
                self.attack_samples >= total:
            return total, total
        world = get_world_size()
        return self.attack_samples, -(-self.attack_samples // world)

    def run(self) -> Dict[str, float]:
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        model = self.runner.model
        model = getattr(model, 'module', model)
        model.eval()
        runs: List[Union[None, dict]] = ([None] if self.clean else []) + \
            self.attacks
        metrics = {}
        for attack in runs:
            name = 'clean' if attack is None else attack['name']
            size, limit = self._size(attack)
            seen = 0
            for idx, data_batch in enumerate(self.dataloader):
                if seen >= limit:
                    break
                data_batch = _first(data_batch, limit - seen)
                seen += len(data_batch['data_samples'])
                self.runner.call_hook('before_test_iter', batch_idx=idx,
                                      data_batch=data_batch)
                data = model.data_preprocessor(data_batch, False)
                inputs = self._attack(model, data, attack)
                with torch.no_grad():
                    outputs = model(inputs, data['data_samples'],
                                    mode='predict')
                self.evaluator.process(data_samples=outputs,
                                       data_batch=data_batch)
                self.runner.call_hook('after_test_iter', batch_idx=idx,
                                      data_batch=data_batch, outputs=outputs)
            res = self.evaluator.evaluate(size)
            for k, v in res.items():
                metrics[f'{name}/{k}'] = v
            top1 = res.get('accuracy/top1')
            if top1 is not None:
                metrics[f'{name}/error'] = 100.0 - float(top1)
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics


def _first(data_batch: dict, k: int) -> dict:
    """The first ``k`` samples of a collated batch (itself when it holds
    no more)."""
    if len(data_batch['data_samples']) <= k:
        return data_batch
    return {key: v[:k] if isinstance(v, (list, tuple)) or
            torch.is_tensor(v) else v for key, v in data_batch.items()}
