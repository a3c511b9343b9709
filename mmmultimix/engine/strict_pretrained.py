"""Pretrained initialisation that fails loudly on any missing key."""
from mmengine.model.weight_init import PretrainedInit
from mmengine.registry import WEIGHT_INITIALIZERS

__all__ = ['StrictPretrainedInit']


@WEIGHT_INITIALIZERS.register_module(name='StrictPretrained')
class StrictPretrainedInit(PretrainedInit):
    """``init_cfg=dict(type='StrictPretrained', checkpoint=..., prefix=...)``:
    mmengine's ``Pretrained`` initialisation, but every parameter and buffer
    of the module must come from the checkpoint and every checkpoint tensor
    must be used (``KeyError`` otherwise), so a detector backbone is never
    silently left at random initialisation. BN's ``num_batches_tracked`` is
    the only tolerated difference.
    """

    def __call__(self, module) -> None:
        from mmengine.runner.checkpoint import (_load_checkpoint,
                                                _load_checkpoint_with_prefix)
        if self.prefix is None:
            ckpt = _load_checkpoint(self.checkpoint,
                                    map_location=self.map_location)
            state = ckpt.get('state_dict', ckpt)
        else:
            state = _load_checkpoint_with_prefix(
                self.prefix, self.checkpoint, map_location=self.map_location)
        state = {k[7:] if k.startswith('module.') else k: v
                 for k, v in state.items()}
        missing, unexpected = module.load_state_dict(state, strict=False)
        ignore = ('num_batches_tracked', )
        missing = [k for k in missing if not k.endswith(ignore)]
        unexpected = [k for k in unexpected if not k.endswith(ignore)]
        if missing or unexpected:
            raise KeyError(
                f'StrictPretrained: {self.checkpoint} (prefix '
                f'{self.prefix!r}) does not match {type(module).__name__}: '
                f'{len(missing)} missing keys {missing[:8]}, '
                f'{len(unexpected)} unexpected keys {unexpected[:8]}')

    def _get_init_info(self):
        return f'{self.__class__.__name__}: load from {self.checkpoint}'
