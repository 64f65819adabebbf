"""coalition-sim: an agent-based model of the coalition around the US-North Korea standoff."""

__version__ = "0.1.0"
