# vits16_imagenet: manifold mixup. ViT has no stages to cut at: pairs are
# mixed at the input or at the class-token embedding.
_base_ = ['./vits16_imagenet_baseline.py']
model = dict(
    mixer=dict(type='ManifoldMixup', alpha=2.0, layers=(0, 'embedding')))
