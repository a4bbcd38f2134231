"""The Mesa face of the model: `AllianceModel` (model), `StateAgent` (agents) and the
interactive SolaraViz page (app), in the shape of Mesa's own example models."""
