"""The batched engine: the model's compiled mathematics (:mod:`sim.core`) run for many
replicates of one parameter point, without Mesa (:func:`sim.engine.batch.run_batch`).
:mod:`sim.engine.kernel` is its loop; :mod:`sim.engine.pcg64` its random draws."""
