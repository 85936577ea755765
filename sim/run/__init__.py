"""Running the model: one scenario (:mod:`sim.run.runner`), the command line
(:mod:`sim.run.cli`), sweeps (:mod:`sim.run.sweep`) and ``make bench``
(:mod:`sim.run.bench`)."""
