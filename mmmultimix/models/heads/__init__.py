from .dense_linear_head import DenseLinearClsHead

__all__ = ['DenseLinearClsHead']
