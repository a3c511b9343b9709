from .multimix_classifier import MultiMixClassifier

__all__ = ['MultiMixClassifier']
