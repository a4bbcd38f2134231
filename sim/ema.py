"""`sim.ema`: the EMA Workbench model, kept at this name for notebooks (`import sim.ema`);
it lives in sim.analysis.ema."""

from .analysis.ema import OUTCOMES, run_once, workbench_model

__all__ = ["OUTCOMES", "run_once", "workbench_model"]
