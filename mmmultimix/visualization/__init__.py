"""Pictures of what the mixers do (:mod:`.mixer_gallery`); the command is
``tools/analysis/visualize_mixers.py``. Not imported by ``import
mmmultimix``."""
