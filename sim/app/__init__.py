"""The classroom app: :mod:`sim.app.classroom` (the model an instructor drives, Mesa
only), :mod:`sim.app.page` (the Solara page, ``make app``) and :mod:`sim.app.gif`
(a run as an animated GIF for slides)."""
