# Table 10 ablation: dense MultiMix with attention u = uniform, h = l1relu.
_base_ = ['./r18_cifar100_dense.py']
model = dict(mixer=dict(attention='uniform', attention_norm='l1relu'))
