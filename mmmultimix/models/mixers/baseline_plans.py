"""Plans of the paper's baselines (AlignMixup, ζ-Mixup, PuzzleMix,
SaliencyMix): what each mixer decided for a batch. The maths is in
:mod:`mmmultimix.functional`; the network passes some of them need
(PuzzleMix's saliency) run in ``models/classifiers/prepare_plan.py``."""
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

import torch
from torch import Tensor

from mmmultimix import functional as Fm
from .plan import MixPlan, MultiMixPlan, PairPlan

__all__ = [
    'FEATURE_MAP', 'AlignMixupPlan', 'ZetaMixupPlan', 'SaliencyMixPlan',
    'PuzzleMixPlan'
]

#: layer name of the backbone's last feature map, before the neck pools it
FEATURE_MAP = 'feature_map'


@dataclass
class AlignMixupPlan(MixPlan):
    """AlignMixup's aligned branch at the last feature map: ``λ``, the
    partners ``index`` and the ``direction`` (0 or 1) of
    :func:`~mmmultimix.functional.align_mix`; each network (student,
    teacher) solves the Sinkhorn plan of its own maps."""
    lam: Tensor = None
    index: Tensor = None
    direction: int = 0
    eps: float = 0.1
    max_iter: int = 100
    thresh: float = 0.1

    def mix(self, x: Tensor, targets: Tensor) -> Tuple[Tensor, Tensor]:
        if x.dim() != 4 or x.shape[2] * x.shape[3] < 2:
            raise ValueError(
                'model.mixer (AlignMixup) aligns the spatial positions of '
                'the backbone\'s last feature map: it needs a (m, d, h, w) '
                f'map with h·w >= 2, got {tuple(x.shape)}')
        mixed = Fm.align_mix(x, self.index, self.lam.to(x.dtype),
                             self.direction, eps=self.eps,
                             max_iter=self.max_iter, thresh=self.thresh)
        lam = self.lam.to(targets.dtype)
        return mixed, lam * targets + (1 - lam) * targets[self.index]


@dataclass
class ZetaMixupPlan(MultiMixPlan):
    """ζ-Mixup: ``x̃ = W x``, ``ỹ = W y`` with the p-series matrix ``W``
    (:func:`~mmmultimix.functional.zeta_weights`), i.e. MultiMix's
    ``Λᵀ·`` with ``Λ = Wᵀ`` (``n = m``; every column sums to 1, so the
    logit shortcut of an affine head stays exact)."""


@dataclass
class SaliencyMixPlan(PairPlan):
    """SaliencyMix: the box of side ``√(1 − λ)`` around the saliency peak
    of ``x[index[0]]`` is pasted from the partners into every image. The
    box is found once (:meth:`find_box`, on the student's view, from the
    official saliency input ``norm``) and reused for the teacher's."""
    pixel_box: Optional[Tuple[int, int, int, int]] = None
    norm: Optional[dict] = None

    def find_box(self, x: Tensor, pixel_mean: Tensor,
                 pixel_std: Tensor) -> None:
        """The box from the normalised batch ``x``: its pixels (``x · std +
        mean`` of the data preprocessor, rounded: the pipeline's uint8
        values) normalised as the official code (:attr:`norm`)."""
        src = x[self.index[0]].detach().float()
        c = src.shape[0]
        pixels = (src * pixel_std.float().view(c, 1, 1).to(src.device) +
                  pixel_mean.float().view(c, 1, 1).to(src.device))
        img = Fm.official_saliency_input(pixels.round().clamp(0, 255),
                                         self.norm['mean'], self.norm['std'])
        r1, c1, r2, c2 = Fm.saliency_box(img, float(self.lam))
        self.pixel_box = (r1, r2, c1, c2)

    def mix(self, x: Tensor, targets: Tensor) -> Tuple[Tensor, Tensor]:
        if self.pixel_box is None:
            raise RuntimeError(
                'SaliencyMixPlan.mix before find_box: the box comes from the '
                'official saliency input (prepare_plan(net, inputs, targets, '
                "plan) calls find_box with the data preprocessor's mean and "
                'std)')
        return Fm.paste_box(x, targets, self.pixel_box, self.index)


@dataclass
class PuzzleMixPlan(MixPlan):
    """PuzzleMix at the input: ``λ``, partners, block count and the
    official hyper-parameters (``params``). The classifier's
    ``prepare_plan`` runs the saliency pass (:attr:`clean_lam`: 0 in eval
    mode with the gradients discarded, the official CIFAR setting; > 0 in
    train mode, its clean loss of the form :attr:`clean_loss` kept) and
    calls :meth:`solve`; :meth:`mix` then
    applies the masks and transports to any batch of the same size (the
    teacher's view too, without the adversarial noise)."""
    lam: float = 0.5
    index: Tensor = None
    block_num: int = 4
    params: Fm.PuzzleParams = Fm.PuzzleParams()
    clean_lam: float = 0.0
    adv: Tuple[bool, bool] = (False, False)
    adv_eps: float = 10.0
    generator: Optional[torch.Generator] = None
    map_fn: Callable = map
    solution: Optional[Fm.PuzzleSolution] = None
    noise: Optional[Tensor] = None
    mean: Optional[Tensor] = None
    std: Optional[Tensor] = None
    clean_loss: str = 'cifar'
    _mixed_once: bool = field(default=False, repr=False)

    @property
    def adversarial(self) -> bool:
        return bool(self.adv[0] or self.adv[1])

    def _uniform(self, shape, device) -> Tensor:
        dev = device if self.generator is None else self.generator.device
        return torch.rand(shape, generator=self.generator,
                          device=dev).to(device)

    def start_noise(self, x01: Tensor) -> Tensor:
        """The adversarial variant's random start in ``[0, 1]`` scale:
        ``U(−ε, ε)`` clipped so that ``x01 + noise`` stays in ``[0, 1]``."""
        eps = self.adv_eps / 255.
        noise = (self._uniform(x01.shape, x01.device) * 2 - 1) * eps
        return torch.clamp(x01 + noise, 0, 1) - x01

    def finish_noise(self, noise: Tensor, grad: Tensor) -> Tensor:
        """One signed-gradient step of ``(ε + 2)/255`` from the start,
        clipped to ``±ε/255`` and scaled by ``U(0, 1)``."""
        eps = self.adv_eps / 255.
        noise = noise + (self.adv_eps + 2) / 255. * grad.sign()
        noise = torch.clamp(noise, -eps, eps)
        return float(self._uniform((), noise.device)) * noise

    def solve(self, x: Tensor, saliency: Tensor, mean: Tensor,
              std: Tensor, noise: Optional[Tensor] = None) -> None:
        self.mean, self.std, self.noise = mean, std, noise
        self.solution = Fm.puzzle_solve(
            x, saliency, self.index, self.lam, self.block_num, mean, std,
            self.params, self.map_fn)

    def mix(self, x: Tensor, targets: Tensor) -> Tuple[Tensor, Tensor]:
        if self.solution is None:
            raise RuntimeError('PuzzleMixPlan.mix before solve(): '
                               'prepare_plan(net, inputs, targets, plan) '
                               'runs the saliency pass first')
        first = not self._mixed_once
        self._mixed_once = True
        noise = self.noise if first and self.adversarial else None
        mixed, ratio = Fm.puzzle_apply(x, self.index, self.solution, noise,
                                       self.adv, self.mean, self.std)
        r = ratio.to(targets.dtype)[:, None]
        return mixed, r * targets + (1 - r) * targets[self.index]
