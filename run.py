"""Entry point: ``python run.py`` runs the baseline; ``python run.py --help`` lists commands."""

import sys

from coalition_sim.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
