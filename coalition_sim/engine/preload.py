"""What the fork server of local workers imports once (:func:`.runner.run_tasks` ``preload``).

Why: every local worker used to import the package and load the compiled kernels itself
(~1.4 CPU s and ~110 MiB private memory each). Imported in the fork server, this module
loads the engine and the kernels (from the disk cache; compiling them on a fresh machine)
with a two-row, two-week ensemble, then moves every Python object into the garbage
collector's permanent generation (:func:`gc.freeze`): collections in the forked workers then
never write to these objects, so their pages stay shared with the server instead of being
copied into every worker.
"""

from __future__ import annotations

import gc

from .ensemble import Ensemble

__all__: list[str] = []


def _load_kernels() -> None:
    ens = Ensemble("baseline", steps=2)
    p = ens.params(None, replicates=2)
    ens.run(p, ens.seeds(0, 1, 2))
    ens.run(p, ens.seeds(0, 1, 2), every=1, counts=True)


_load_kernels()
gc.freeze()
