"""Experiments on the ensemble engine: paired policy comparisons, scenario discovery,
noise-aware sensitivity, robustness and the worked studies built from them."""
