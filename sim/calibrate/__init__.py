"""Calibrating a scenario to the documented record (``python -m sim.calibrate``).

- :mod:`sim.calibrate.record`: the record file, checked, and the model's counts of it;
- :mod:`sim.calibrate.abc`: ABC-SMC, reproducible on any number of cores and resumable;
- :mod:`sim.calibrate.calibration`: a calibration's config, the fit on the engine, the
  posterior predictive, the held-out check, parameter recovery.
"""
