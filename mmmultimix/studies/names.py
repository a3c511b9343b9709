"""The studies' names of their rows (config method -> words), once."""

NAMES = dict(baseline='no mixup', input_mixup='input mixup',
             manifold_mixup='manifold mixup', cutmix='CutMix',
             multimix='MultiMix', dense='+ dense', distil='+ distil',
             dense_distil='+ dense + distil',
             input_mixup_distil='input mixup + distil',
             alignmixup='AlignMixup', zeta_mixup='ζ-Mixup',
             puzzlemix='PuzzleMix', saliencymix='SaliencyMix')


def demo_name(row: str) -> str:
    """The digits demo's wording: a row that adds to MultiMix says so."""
    name = NAMES.get(row, row)
    return f'MultiMix {name}' if name.startswith('+') else name
