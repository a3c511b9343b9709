"""Mirror our modules into mmdet's registries.

Our modules register into mmpretrain's registries (the scope of our
classification configs). A config whose ``default_scope`` is ``mmdet`` looks
up mmdet's registries and their parents only, so the same classes are also
registered there (without overriding mmdet's own names).
"""
__all__ = ['mirror_into_mmdet']


def mirror_into_mmdet() -> None:
    try:
        from mmdet.registry import DATASETS as DET_DATASETS
        from mmdet.registry import HOOKS as DET_HOOKS
        from mmdet.registry import MODELS as DET_MODELS
    except ImportError:  # mmdet is optional at import time
        return
    from mmpretrain.registry import DATASETS, HOOKS, MODELS
    for src, dst in ((MODELS, DET_MODELS), (DATASETS, DET_DATASETS),
                     (HOOKS, DET_HOOKS)):
        for name, cls in list(src.module_dict.items()):
            if getattr(cls, '__module__', '').startswith('mmmultimix') and \
                    name not in dst.module_dict:
                dst.register_module(name=name, module=cls)
