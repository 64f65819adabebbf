"""``python -m coalition_sim``: the ``coalition-sim`` command.

Why: an environment whose scripts folder is not on ``PATH`` (a virtual environment used
without activating it, ``pip install --user``) still reaches the command through its Python.
"""

from .cli.main import main

if __name__ == "__main__":  # imported (the docs' name checker imports every module): nothing
    raise SystemExit(main())
