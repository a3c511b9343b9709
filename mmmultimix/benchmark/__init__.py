"""The speed and memory benchmark of the mixing variants as a library:
:mod:`.speed` (variants, steps, interleaved timing, tables, the ``n``
sweep), :mod:`.memory` (peak memory of a step, malloc settings),
:mod:`.onednn` (oneDNN's primitives per step) and :mod:`.cli` (the command,
``tools/analysis/benchmark_speed.py`` or ``python -m mmmultimix.benchmark``).
Not imported by ``import mmmultimix``."""
