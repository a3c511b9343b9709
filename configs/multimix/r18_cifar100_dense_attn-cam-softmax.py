# Table 10 ablation: dense MultiMix with attention u = cam, h = softmax.
_base_ = ['./r18_cifar100_dense.py']
model = dict(mixer=dict(attention='cam', attention_norm='softmax'))
