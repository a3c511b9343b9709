"""Cross-rank communication of the plugin, in one place: world size, a
gradient-carrying all-gather (cross-rank MultiMix) and buffer averaging
(the EMA teacher's BN statistics)."""
import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.dist import get_world_size
from torch import Tensor

__all__ = ['world_size', 'gather', 'average_buffers']


def world_size() -> int:
    """Number of ranks of the default process group (1 without one)."""
    return get_world_size()


class _GatherWithGrad(torch.autograd.Function):
    """All-gather along dim 0 whose backward sums every rank's gradient of
    the gathered tensor and returns this rank's slice. (Written out because
    ``torch.distributed.nn.all_gather`` sends non-contiguous gradients to
    gloo's all-to-all, which then reads the wrong memory.)"""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        ctx.rank, ctx.world = dist.get_rank(), dist.get_world_size()
        return _all_gather(x, ctx.world)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        grad = grad.contiguous()
        dist.all_reduce(grad)
        m = grad.shape[0] // ctx.world
        return grad[ctx.rank * m:(ctx.rank + 1) * m]


def _all_gather(x: Tensor, world: int) -> Tensor:
    out = [torch.empty_like(x) for _ in range(world)]
    dist.all_gather(out, x.contiguous())
    return torch.cat(out, dim=0)


def gather(x: Tensor, world: int) -> Tensor:
    """All-gather along dim 0 over ``world`` ranks (equal batch sizes, as
    mmengine's DefaultSampler pads); differentiable: the gradient of the
    gathered tensor flows back to each rank's slice. Identity for
    ``world == 1``."""
    if world == 1:
        return x
    if not x.requires_grad:
        return _all_gather(x, world)
    return _GatherWithGrad.apply(x)


@torch.no_grad()
def average_buffers(module: nn.Module) -> None:
    """Replaces every floating-point buffer of ``module`` by its mean over
    the ranks (in place); no-op in a single process."""
    world = world_size()
    if world == 1:
        return
    for buf in module.buffers():
        if buf.is_floating_point():
            dist.all_reduce(buf)
            buf.div_(world)
