"""The alliance graph: networkx nodes are actors, edges carry a tie type and a strength."""

from __future__ import annotations

import networkx as nx
import numpy as np

from ..scenario.schema import Scenario

__all__ = ["build_graph", "sync_strengths", "tie_label"]


def build_graph(scn: Scenario) -> nx.Graph:
    """Nodes keyed by actor id with capability, role and name; edges with type and strength.

    Display attributes (positions, sizes) do not belong here: the front end derives them.
    """
    g = nx.Graph(name=scn.name)
    for a in scn.actors:
        g.add_node(a.id, name=a.name, role=a.role.value, capability=a.capability)
    for tie in scn.ties:
        g.add_edge(tie.a, tie.b, type=tie.type.value, strength=tie.strength)
    return g


def sync_strengths(g: nx.Graph, ids: tuple[str, ...], strength: np.ndarray) -> None:
    """Copy one replicate's (A, A) tie strengths onto the graph's edges."""
    index = {a: i for i, a in enumerate(ids)}
    for a, b, data in g.edges(data=True):
        data["strength"] = float(strength[index[a], index[b]])


def tie_label(a: str, b: str) -> str:
    """Column name of a tie's strength in output tables."""
    return f"tie_{a}_{b}"
