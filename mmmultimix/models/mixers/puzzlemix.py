"""PuzzleMix (Kim et al., ICML 2020)."""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from mmmultimix import functional as Fm
from .base import BaseMixer
from .baseline_plans import PuzzleMixPlan

__all__ = ['PuzzleMix']


@MODELS.register_module()
class PuzzleMix(BaseMixer):
    """PuzzleMix as its official code (``main.py``, ``mixup.py``): per batch
    ``λ ~ Beta(α, α)``, a permutation and a block count drawn from
    ``block_nums``; the saliency of every example (input gradient of a clean
    forward / backward, run by the classifier) and the 3-label graph cut of
    every example (``gco``'s α-β swap) give the masks, blocks are
    transported towards salient regions, and each target is mixed by its
    mask's mean. Train with ``SoftmaxBCELoss`` (the official CIFAR and
    TinyImageNet loss) or, as the official ImageNet code, with the soft
    cross-entropy of the mixed pair (``λ·CE(y) + (1−λ)·CE(y_π)``, the
    classifier's default loss) and ``clean_loss='imagenet'``.

    Args:
        alpha (float): Beta parameter α > 0. Defaults to 1.0.
        block_nums (Sequence[int]): block counts per side, drawn uniformly;
            each must tile the image. Defaults to ``(2, 4, 8, 16)``
            (official, 32- and 64-pixel images).
        beta (float): label smoothness. Defaults to 1.2.
        gamma (float): data local smoothness. Defaults to 0.5.
        eta (float): prior term. Defaults to 0.2.
        neigh_size (int): neighbourhood of the smoothness term. Defaults
            to 4.
        n_labels (int): mask values (2, 3 or 4). Defaults to 3.
        transport (bool): transport blocks. Defaults to True.
        t_eps (float): transport cost coefficient. Defaults to 0.8.
        t_size (int): transport tile (pixels; -1: the block size).
            Defaults to 4 (official CIFAR; TinyImageNet: -1).
        clean_lam (float): >= 0; 0: saliency from an eval-mode pass whose
            gradients are discarded (official CIFAR); > 0: a train-mode pass
            whose clean loss (``clean_loss``) is kept (official TinyImageNet:
            1). Defaults to 0.
        clean_loss (str): the clean loss's official form: ``'cifar'``
            (``main.py``: ``2·clean_lam·CE/C``) or ``'imagenet'``
            (``imagenet/train.py``: ``clean_lam·CE``). Defaults to
            ``'cifar'``.
        adv_p (float): probability of the adversarial variant per image
            side, in ``[0, 1]``. Defaults to 0 (off).
        adv_eps (float): its ℓ∞ ball, in /255. Defaults to 10.
        workers (int): processes solving the graph cuts beside training
            (0: in the training process). Defaults to 0.
    """

    def __init__(self,
                 alpha: float = 1.0,
                 block_nums: Sequence[int] = (2, 4, 8, 16),
                 beta: float = 1.2,
                 gamma: float = 0.5,
                 eta: float = 0.2,
                 neigh_size: int = 4,
                 n_labels: int = 3,
                 transport: bool = True,
                 t_eps: float = 0.8,
                 t_size: int = 4,
                 clean_lam: float = 0.0,
                 clean_loss: str = 'cifar',
                 adv_p: float = 0.0,
                 adv_eps: float = 10.0,
                 workers: int = 0,
                 init_cfg=None):
        super().__init__(init_cfg)
        from mmmultimix.functional.puzzle import import_gco
        import_gco()  # a clear ImportError with the install command
        self.alpha = Fm.check_beta_alpha(alpha, 'mixer.alpha')
        if isinstance(block_nums, int):
            block_nums = (block_nums, )
        if not block_nums or any(
                isinstance(b, bool) or not isinstance(b, int) or b < 2
                for b in block_nums):
            raise ValueError('mixer.block_nums must list integers >= 2, got '
                             f'{block_nums!r}')
        self.block_nums = tuple(block_nums)
        if n_labels not in (2, 3, 4):
            raise ValueError(f'mixer.n_labels must be 2, 3 or 4, got '
                             f'{n_labels!r}')
        for key, value in (('neigh_size', neigh_size), ('workers', workers)):
            if isinstance(value, bool) or not isinstance(value, int) or \
                    value < (1 if key == 'neigh_size' else 0):
                raise ValueError(f'mixer.{key} must be an integer >= '
                                 f'{1 if key == "neigh_size" else 0}, got '
                                 f'{value!r}')
        if isinstance(t_size, bool) or not isinstance(t_size, int) or \
                (t_size < 1 and t_size != -1):
            raise ValueError(f'mixer.t_size must be -1 or an integer >= 1, '
                             f'got {t_size!r}')
        for key, value in (('beta', beta), ('gamma', gamma), ('eta', eta),
                           ('t_eps', t_eps), ('clean_lam', clean_lam),
                           ('adv_eps', adv_eps)):
            if not float(value) >= 0:
                raise ValueError(f'mixer.{key} must be >= 0, got {value!r}')
        self.params = Fm.PuzzleParams(
            float(beta), float(gamma), float(eta), neigh_size, n_labels,
            Fm.check_bool(transport, 'mixer.transport'), float(t_eps),
            t_size)
        self.clean_lam = float(clean_lam)
        if clean_loss not in Fm.CLEAN_LOSS_FORMS:
            raise ValueError('mixer.clean_loss must be one of '
                             f'{Fm.CLEAN_LOSS_FORMS}, got {clean_loss!r}')
        self.clean_loss = clean_loss
        self.adv_p = self.check_prob(adv_p, 'mixer.adv_p')
        self.adv_eps = float(adv_eps)
        self.workers = workers
        self._pool = None

    def check_image(self, width: int) -> None:
        """Every block count fits a ``width``-pixel image (raises naming
        the key otherwise)."""
        for b in self.block_nums:
            Fm.check_puzzle_geometry(width, b, self.params.neigh_size,
                                     self.params.t_size, 'model.mixer')

    def _map(self):
        if self.workers == 0:
            return map
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=mp.get_context('spawn'))
        return self._pool.map

    def __getstate__(self):  # the pool stays with its process
        state = self.__dict__.copy()
        state['_pool'] = None
        return state

    def sample(self, m: int, device=None) -> Optional[PuzzleMixPlan]:
        pair = self.pairs(m, self.alpha, 0, device)
        k = int(torch.randint(len(self.block_nums), (),
                              generator=self.generator,
                              device=self.sample_device(device)))
        adv = (False, False)
        if self.adv_p > 0:
            adv = (self._uniform() < self.adv_p,
                   self._uniform() < self.adv_p)
        return PuzzleMixPlan(
            0, float(pair.lam), pair.index, self.block_nums[k], self.params,
            self.clean_lam, adv, self.adv_eps, self.generator, self._map(),
            clean_loss=self.clean_loss)

    def candidate_layers(self) -> Sequence:
        return (0, )
