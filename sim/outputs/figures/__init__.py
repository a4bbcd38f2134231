"""Figures, one module each; every function takes tables (as `sim.load_results` gives them)
and returns a matplotlib Figure, which `save` writes as PNG (and SVG)."""

from .compare import compare_figure
from .discovery import discovery_figure
from .forecast import forecast_figure
from .history import history_figure
from .landscape import landscape_figure, landscape_map_figure
from .map import map_figure
from .network import draw_network, network_figure
from .paths import paths_figure
from .posterior import posterior_figure
from .sbc import sbc_figure
from .sensitivity import sensitivity_figure
from .style import PALETTE, factor_label, save
from .trajectories import trajectories_figure

__all__ = ["PALETTE", "compare_figure", "discovery_figure", "draw_network", "factor_label", "forecast_figure",
           "history_figure", "landscape_figure", "landscape_map_figure", "map_figure", "network_figure", "paths_figure",
           "posterior_figure", "save", "sbc_figure", "sensitivity_figure", "trajectories_figure"]
