"""Run with torchrun --nproc_per_node 2 (gloo, CPU): cross-rank dense
MultiMix + distillation equals a single-process computation on the
concatenated batch with the same Λ, and the teachers stay identical."""
import copy
import sys

import torch
import torch.distributed as dist

import mmmultimix  # noqa: F401
from mmmultimix import functional as Fm
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import os
GAMMA = float(os.environ.get('CR_GAMMA', 0.5))
N, M, C = 40, 3, 5


def build():
    torch.manual_seed(0)  # same weights on every rank
    model = MODELS.build(
        dict(type='MultiMixClassifier',
             backbone=dict(type='WideResNet', depth=10, widen_factor=1),
             neck=None,
             head=dict(type='DenseLinearClsHead', num_classes=C,
                       in_channels=64, dense_size=2),
             # the attention's gradient crosses ranks too: keep it on
             mixer=dict(type='MultiMix', n=N, prob=1.0, dense=True,
                        cross_rank=True, attention_grad=True),
             distill=dict(gamma=GAMMA, momentum=0.1)))
    model.init_weights()
    model.teacher.module.load_state_dict(model._student_net().state_dict())
    return model.double()


def reference(model, views, labels, states, world):
    """Single process: per-shard forward (same BN batches as the ranks),
    concatenated, mixed with every rank's Λ; loss = mean over ranks."""
    ref = copy.deepcopy(model)
    ref.train()
    fmaps, tmaps = [], []
    for r in range(world):
        fmaps.append(ref.head.dense_map(ref.backbone(views[r][0])))
        with torch.no_grad():
            t = ref.teacher.module
            tmaps.append(t.head.dense_map(t.backbone(views[r][1])))
    fmap, tmap = torch.cat(fmaps), torch.cat(tmaps)
    y = torch.nn.functional.one_hot(torch.cat(labels), C).double()
    attn = Fm.spatial_attention(fmap)
    logits = ref.head.dense_logits(fmap)
    t_logits = ref.teacher.module.head.dense_logits(tmap)
    total = 0.0
    for r in range(world):
        g = torch.Generator().set_state(states[r])
        lam = Fm.sample_dense_lambda(4, M * world, N, (0.5, 2.0), g).double()
        mhat, s = Fm.dense_mix_weights(attn, lam)
        lo = Fm.dense_interpolate(logits, mhat)
        with torch.no_grad():  # teacher targets: stop-gradient (3.3)
            pt = torch.softmax(Fm.dense_interpolate(t_logits, mhat), -1)
        yt = Fm.dense_mix_targets(y, mhat)
        total = total + GAMMA * Fm.weighted_soft_cross_entropy(lo, yt, s) + \
            (1 - GAMMA) * Fm.weighted_soft_cross_entropy(lo, pt, s)
    total = total / world
    total.backward()
    return total.detach(), {k: p.grad for k, p in ref.named_parameters()
                            if p.grad is not None}


def main():
    dist.init_process_group('gloo')
    rank, world = dist.get_rank(), dist.get_world_size()
    model = build()
    assert model.mixer.sample(M).world == world
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                          lr=0.1)
    g = torch.Generator().manual_seed(123)
    for it in range(3):
        views = [torch.randn(2, M, 3, 8, 8, generator=g, dtype=torch.float64)
                 for _ in range(world)]
        labels = [torch.randint(0, C, (M, ), generator=g)
                  for _ in range(world)]
        state = model.mixer.generator.get_state()
        states = [torch.zeros_like(state) for _ in range(world)]
        dist.all_gather(states, state)
        before = copy.deepcopy(model)
        model.train()
        losses = model.loss(views[rank], [DataSample().set_gt_label(int(v))
                                          for v in labels[rank]])
        loss = losses['loss_cls'] + losses['loss_distill']
        opt.zero_grad()
        loss.backward()
        mean_loss = loss.detach().clone()
        dist.all_reduce(mean_loss)
        mean_loss /= world
        grads = {}
        for k, p in model.named_parameters():
            if p.grad is not None:
                dist.all_reduce(p.grad)
                p.grad /= world  # what DDP does
                grads[k] = p.grad
        if rank == 0:
            ref_loss, ref_grads = reference(before, views, labels, states,
                                            world)
            torch.testing.assert_close(mean_loss, ref_loss, rtol=1e-5,
                                       atol=1e-8)
            assert grads.keys() == ref_grads.keys() and len(grads) > 20
            import os
            if os.environ.get('DEBUG_CR'):
                for k in ('backbone.stem.weight', 'backbone.final.0.weight',
                          'head.fc.weight', 'head.fc.bias'):
                    print('DBG', it, k, float(grads[k].norm()),
                          float(ref_grads[k].norm()))
            for k in grads:
                torch.testing.assert_close(grads[k], ref_grads[k], rtol=1e-5,
                                           atol=1e-8)
        opt.step()
        model.update_teacher()
    for k, v in model.teacher.state_dict().items():
        vs = [torch.zeros_like(v) for _ in range(world)]
        dist.all_gather(vs, v.contiguous())
        assert all(torch.equal(vs[0], x) for x in vs[1:]), k
    dist.barrier()
    if rank == 0:
        print('CROSS_RANK_OK')
    dist.destroy_process_group()


if __name__ == '__main__':
    sys.exit(main())
