from .multiview import MultiViewClsDataPreprocessor

__all__ = ['MultiViewClsDataPreprocessor']
