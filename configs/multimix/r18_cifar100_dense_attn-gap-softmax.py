# Table 10 ablation: dense MultiMix with attention u = gap, h = softmax.
_base_ = ['./r18_cifar100_dense.py']
model = dict(mixer=dict(attention='gap', attention_norm='softmax'))
