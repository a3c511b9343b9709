"""The studies behind the project's evidence, as a library: the cache and
its records (:mod:`.records`), one training and its evaluation
(:mod:`.training`), the engine that runs them as Ray tasks on this machine
or a cluster (:mod:`.engine`), paired statistics (:mod:`.stats`) and the
studies' plans and reports (:mod:`.paper`, :mod:`.fashion`,
:mod:`.long` (a package, part by part),
:mod:`.teacher_precision`). The commands are ``tools/analysis/*.py``.

Nothing here is imported by ``import mmmultimix`` (Ray and matplotlib stay
out of a training process's imports).
"""
