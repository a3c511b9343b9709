"""The mixer gallery (issue 34): the tool runs on real Fashion-MNIST images,
writes its pictures, and every label weight it draws is the plan's: λ and
the partners for the pair mixers, the pasted box's area for CutMix and
SaliencyMix, the mask's mean for PuzzleMix, ΛᵀY for ζ-Mixup and MultiMix."""
import os.path as osp
import sys

import torch

from mmmultimix.functional.mixing import cutmix_box_pixels
from mmmultimix.visualization import mixer_gallery as G

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import visualize_mixers  # noqa: E402


def _pair(targets, lam, index):
    return lam * targets + (1 - lam) * targets[index]


def _box_checked(row, inputs, targets, box):
    y1, y2, x1, x2 = box
    inside = torch.zeros_like(inputs[:, :1], dtype=torch.bool)
    inside[..., y1:y2, x1:x2] = True
    index = row.plan.index
    # pasted exactly: the partner inside the box, the image outside
    assert torch.equal(row.images.masked_select(inside.expand_as(inputs)),
                       inputs[index].masked_select(inside.expand_as(inputs)))
    assert torch.equal(row.images.masked_select(~inside.expand_as(inputs)),
                       inputs.masked_select(~inside.expand_as(inputs)))
    lam = 1 - (y2 - y1) * (x2 - x1) / inputs[0, 0].numel()
    return _pair(targets, lam, index)


def test_gallery_draws_the_plans_weights(tmp_path):
    rows, (inputs, targets, classes), means = visualize_mixers.gallery(
        batch=8, seed=1, out=str(tmp_path), cols=4)
    assert (tmp_path / 'mixers_fashion.png').read_bytes()[:4] == b'\x89PNG'
    assert (tmp_path / 'multimix_lambda.png').read_bytes()[:4] == \
        b'\x89PNG'
    assert len(classes) == 10 and inputs.shape == (8, 1, 28, 28)
    by_name = {r.name.split('\n')[0]: r for r in rows}
    assert set(by_name) == {name for name, _, _ in G.GALLERY_ROWS}
    h, w = inputs.shape[-2:]
    for name, row in by_name.items():
        plan = row.plan
        if name == 'input mixup':
            want = _pair(targets, float(plan.lam), plan.index)
            assert torch.equal(row.images, plan.lam * inputs +
                               (1 - plan.lam) * inputs[plan.index])
        elif name == 'CutMix':
            want = _box_checked(row, inputs, targets,
                                cutmix_box_pixels(plan.box, h, w))
        elif name == 'SaliencyMix':
            r1, r2, c1, c2 = plan.pixel_box
            want = _box_checked(row, inputs, targets, (r1, r2, c1, c2))
        elif name == 'PuzzleMix':
            ratio = row.mask.reshape(8, -1).mean(1, keepdim=True)
            want = ratio * targets + (1 - ratio) * targets[plan.index]
            assert set(row.mask.unique().tolist()) <= {0.0, 0.5, 1.0}
        else:  # ζ-Mixup and MultiMix: Ỹ = ΛᵀY over the whole batch
            want = plan.lam.t() @ targets
            assert torch.allclose(row.images.flatten(1),
                                  plan.lam.t() @ inputs.flatten(1),
                                  atol=1e-5)
        assert torch.allclose(row.targets, want, atol=1e-6), name
        assert torch.allclose(row.targets.sum(1), torch.ones(8), atol=1e-6)
    # the text under an image is its weights, largest first
    t = by_name['MultiMix (input layer)'].targets[0]
    w, i = t.topk(3)
    assert G._label(t, classes, 3).splitlines()[0] == \
        f'{classes[int(i[0])][:11]} {float(w[0]):.2f}'
    # Λ's columns: between 1 and m examples; more with a larger α
    assert 1 < means['α = 0.5'] < means['α = 1'] < means['α = 2'] < 128


def test_effective_examples_bounds():
    m = 16
    one = torch.zeros(m, 2)
    one[3, 0] = 1.0
    one[:, 1] = 1.0 / m
    assert torch.allclose(G.effective_examples(one),
                          torch.tensor([1.0, float(m)], dtype=torch.float64))
