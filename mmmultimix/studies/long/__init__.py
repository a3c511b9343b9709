"""The long-schedule Fashion-MNIST study (``reproduce.py --study long``),
part by part: :mod:`.settings`; :mod:`.sweep`, :mod:`.axes`,
:mod:`.precision` and :mod:`.data_epochs` (each part's plan entries,
cells, tables and figure); :mod:`.plan`, :mod:`.report` and
:mod:`.study` (run it)."""
from .study import merge, run_long

__all__ = ['merge', 'run_long']
