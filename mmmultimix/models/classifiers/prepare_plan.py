"""What a plan needs from the network before anything is mixed: PuzzleMix's
saliency pass (which solves its masks and transports) and SaliencyMix's box
from the pixels. Called once per batch, right after the mixer samples the
plan (the classifier, the mixer gallery); the mixing itself is
:func:`~.mixed_forward.mixed_forward`, for the student and the teacher."""
from typing import Optional, Tuple

import torch
from torch import Tensor

from mmmultimix import functional as Fm
from ..mixers import MixPlan, PuzzleMixPlan, SaliencyMixPlan

__all__ = ['prepare_plan', 'pixel_mean_std', 'puzzle_saliency_pass']


def prepare_plan(net, inputs: Tensor, targets: Tensor,
                 plan: Optional[MixPlan]) -> Optional[Tensor]:
    """Runs the network pass ``plan`` needs on the student's ``inputs``
    (normalised, ``(m, C, H, W)``) and soft ``targets``; returns the loss
    that pass adds to training (PuzzleMix's clean loss with ``clean_lam >
    0``), else None. Other plans need nothing."""
    if isinstance(plan, PuzzleMixPlan):
        return puzzle_saliency_pass(net, inputs, targets, plan)
    if isinstance(plan, SaliencyMixPlan):
        plan.find_box(inputs, *pixel_mean_std(net, inputs.shape[1]))
    return None


def pixel_mean_std(net, channels: int,
                   required_by: Optional[str] = None) -> Tuple[Tensor, Tensor]:
    """The data preprocessor's per-channel ``mean`` and ``std`` (0–255
    scale) that turn the network's inputs back into pixels; without
    normalisation the inputs are the pixels (0 and 1), unless
    ``required_by`` names a mixer that needs them."""
    pre = getattr(net, 'data_preprocessor', None)
    mean = getattr(pre, 'mean', None)
    if mean is None:
        if required_by is not None:
            raise ValueError(
                f'{required_by} needs the data preprocessor\'s mean and std '
                '(model.data_preprocessor with mean / std) for its '
                'pixel-space smoothness term')
        return torch.zeros(channels), torch.ones(channels)
    return mean.flatten(), pre.std.flatten()


def puzzle_saliency_pass(net, inputs: Tensor, targets: Tensor,
                         plan: PuzzleMixPlan) -> Optional[Tensor]:
    """PuzzleMix's saliency (official ``main.py``): the input gradient of
    the mean cross-entropy of a clean pass; ``plan.clean_lam == 0``: the
    network in eval mode, only the input gradient taken (the parameters'
    gradients are discarded, as the official ``zero_grad``); ``> 0``: train
    mode, and the clean loss of the plan's official form
    (:func:`~mmmultimix.functional.puzzle_clean_loss`) is returned to be
    trained on.
    The adversarial variant starts from random noise and takes one signed
    step. Solves the plan's masks and transports."""
    mean, std = (v.view(-1, 1, 1).to(inputs.dtype) for v in pixel_mean_std(
        net, inputs.shape[1], 'PuzzleMix'))
    x = inputs.detach()
    noise = None
    if plan.adversarial:
        x01 = (x * std + mean) / 255.
        noise = plan.start_noise(x01)
        x = ((x01 + noise) * 255. - mean) / std
    x = x.requires_grad_(True)
    parts = [p for p in (net.backbone, net.neck, net.head) if p is not None]
    modes = [p.training for p in parts]
    if plan.clean_lam == 0:
        for p in parts:
            p.train(False)
    try:
        with torch.enable_grad():
            ce = Fm.soft_cross_entropy(net.head(net.extract_feat(x)),
                                       targets)
            if plan.clean_lam == 0:
                aux = None
                grad = torch.autograd.grad(ce.mean(), x)[0]
            else:
                aux = Fm.puzzle_clean_loss(ce, plan.clean_lam,
                                           targets.shape[1], plan.clean_loss)
                grad = torch.autograd.grad(aux, x, retain_graph=True)[0]
    finally:
        for p, mode in zip(parts, modes):
            p.train(mode)
    if noise is not None:
        noise = plan.finish_noise(noise, grad)
    plan.solve(inputs.detach(), Fm.puzzle_saliency(grad.float()), mean, std,
               noise)
    return aux
