"""ℓ∞ adversarial attacks in [0, 1] pixel space (paper Table 3)."""
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['fgsm', 'pgd', 'check_eps']

LogitsFn = Callable[[Tensor], Tensor]


def check_eps(eps: float, key: str = 'eps') -> float:
    eps = float(eps)
    if not eps >= 0.0:
        raise ValueError(f'{key} must be >= 0 (an l-inf radius in [0, 1] '
                         f'pixel units, e.g. 8/255), got {eps}')
    return eps


def _grad_sign(logits_fn: LogitsFn, x: Tensor, labels: Tensor) -> Tensor:
    with torch.enable_grad():
        x = x.detach().clone().requires_grad_(True)
        loss = F.cross_entropy(logits_fn(x).float(), labels)
        grad, = torch.autograd.grad(loss, x)
    return grad.sign()


def fgsm(logits_fn: LogitsFn, x: Tensor, labels: Tensor,
         eps: float) -> Tensor:
    """Fast gradient sign method (Goodfellow et al. 2015):
    ``x' = clip_[0,1](x + ε·sign(∇ₓ CE))``.

    Args:
        logits_fn: maps images in ``[0, 1]`` (``(m, C, H, W)``) to logits
            (normalisation included).
        x (Tensor): clean images in ``[0, 1]``.
        labels (Tensor): ``(m,)`` true classes.
        eps (float): ℓ∞ radius ``ε >= 0`` in ``[0, 1]`` units.

    Returns:
        Tensor: adversarial images, ``‖x' − x‖∞ <= ε`` and in ``[0, 1]``.
    """
    eps = check_eps(eps)
    if eps == 0:
        return x.detach().clone()
    adv = x + eps * _grad_sign(logits_fn, x, labels)
    return adv.clamp(0.0, 1.0).detach()


def pgd(logits_fn: LogitsFn,
        x: Tensor,
        labels: Tensor,
        eps: float,
        step_size: float,
        steps: int = 10,
        random_start: bool = False,
        generator: torch.Generator = None) -> Tensor:
    """Projected gradient descent (Madry et al. 2018), ℓ∞:
    ``x_{t+1} = Π_{B(x, ε) ∩ [0,1]}(x_t + α·sign(∇ CE))``.

    Args:
        logits_fn, x, labels, eps: as in :func:`fgsm`.
        step_size (float): ``α > 0``.
        steps (int): iterations ``>= 1``. Defaults to 10.
        random_start (bool): start from a uniform point of the ball.
        generator (torch.Generator, optional): for the random start.

    Returns:
        Tensor: adversarial images in the ε-ball around ``x`` and in
        ``[0, 1]``.
    """
    eps = check_eps(eps)
    if not float(step_size) > 0:
        raise ValueError(f'step_size must be > 0, got {step_size}')
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f'steps must be an integer >= 1, got {steps!r}')
    x = x.detach()
    if eps == 0:
        return x.clone()
    adv = x.clone()
    if random_start:
        noise = torch.rand(x.shape, generator=generator, device=x.device)
        adv = (x + (2 * noise.to(x.dtype) - 1) * eps).clamp(0.0, 1.0)
    for _ in range(steps):
        adv = adv + step_size * _grad_sign(logits_fn, adv, labels)
        adv = torch.min(torch.max(adv, x - eps), x + eps).clamp(0.0, 1.0)
    return adv.detach()
