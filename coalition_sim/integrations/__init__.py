"""Seams with other libraries: the model as an EMA Workbench model (:mod:`.ema`)."""
