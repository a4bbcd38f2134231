"""The interactive page: Mesa's SolaraViz on AllianceModel, with the scenario's main parameters as sliders.

    alliance-sim app [SCENARIO]            # or: ALLIANCE_SIM_SCENARIO=FILE solara run sim.abm.app

The scenario comes from the ALLIANCE_SIM_SCENARIO environment variable (the shipped
baseline without it). The page shows the focal actor's stances over time, the alignment
network at the current quarter, the partnership indicator and the current date.
"""

from __future__ import annotations

import os

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization import SolaraViz

from ..outputs.figures.network import draw_network
from ..outputs.figures.style import PALETTE, stance_colorbar
from ..scenario import Scenario, load_scenario, shipped
from ..scenario.calendar import parse_quarter
from .model import AllianceModel


def scenario_from_environment() -> Scenario:
    return load_scenario(os.environ.get("ALLIANCE_SIM_SCENARIO") or shipped("baseline_2018"))


def model_class(scenario: Scenario) -> type[AllianceModel]:
    """AllianceModel bound to one scenario, so that SolaraViz's reset rebuilds that scenario.

    SolaraViz passes Mesa's own scenario object as `scenario=` on reset; it is set aside here.
    """

    class ScenarioModel(AllianceModel):
        def __init__(self, *, rng=None, scenario=None, **params):
            super().__init__(bound, rng=rng, **params)

    bound = scenario
    ScenarioModel.__name__ = ScenarioModel.__qualname__ = "AllianceModel"
    return ScenarioModel


def slider(label: str, value: float, low: float = 0.0, high: float = 1.0, step: float = 0.05) -> dict:
    return {"type": "SliderFloat", "value": float(value), "label": label, "min": low, "max": high, "step": step}


def model_params(s: Scenario) -> dict:
    """Sliders for the scenario's main parameters, keyed as AllianceModel keywords."""
    p = s.parameters
    params = {"rng": {"type": "SliderInt", "value": s.seed % 1000, "label": "seed", "min": 0, "max": 999, "step": 1}}
    if p.sanctioner:
        params["sanctions"] = slider(f"{p.sanctioner}'s sanctions on {p.sanctioned}", p.sanctions)
    for name, actor in s.actors.items():
        if actor.patron:
            params[f"actors__{name}__autonomy"] = slider(f"{name}'s autonomy from {actor.patron}", actor.autonomy)
    for name in ("patron_pull", "interdependence", "hedging", "balance"):
        params[f"mechanisms__{name}"] = slider(f"weight of {name.replace('_', ' ')}", getattr(s.mechanisms, name), 0, 3, 0.1)
    params["parameters__noise"] = slider("noise (s.d. per quarter)", p.noise, 0, 0.2, 0.01)
    return params


def StanceChart(model: AllianceModel):
    """The date, the partnership indicator, and the focal actor's stances over the quarters so far."""
    s = model.spec
    focal, partner = s.partnership.pair
    i = model.index[focal]
    A = np.stack([h.A for h in model.history])
    years = np.array([parse_quarter(d) / 4 for d in model.dates[: len(A)]])
    fig = Figure(figsize=(6.4, 3.5), layout="constrained")
    ax = fig.subplots()
    others = [n for n in s.names if n != focal]
    for color, other in zip(PALETTE, others):
        ax.plot(years, A[:, i, model.index[other]], color=color, linewidth=2, label=f"{focal} → {other}")
    ax.plot(years, A[:, model.index[partner], i], "--", color="#555555", linewidth=1.5, label=f"{partner} → {focal}")
    ax.axhline(s.partnership.threshold, color="#444444", linestyle=":", linewidth=0.9)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlim(years[0], parse_quarter(model.dates[-1]) / 4)
    ax.set_ylabel("alignment (−1 hostile, +1 aligned)")
    ax.set_xlabel("year (one step = one quarter)")
    ax.set_title(f"{focal}'s stances, {model.dates[0]}–{model.date}", loc="left", fontsize=10)
    ax.legend(loc="lower left", fontsize=7.5, ncol=3, frameon=False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(color="#eeeeee")
    with solara.Column(gap="0px"):
        Status(model)
        solara.FigureMatplotlib(fig, format="png")


def NetworkChart(model: AllianceModel):
    """Every stance at the current quarter."""
    s = model.spec
    fig = Figure(figsize=(5.6, 4.6), layout="constrained")
    ax = fig.subplots()
    draw_network(ax, s.names, np.array([a.power for a in s.actors.values()]), model.state.A, labels=len(s.names) <= 6)
    ax.set_title(f"Alignment network at {model.date}", fontsize=11)
    stance_colorbar(fig, ax)
    return solara.FigureMatplotlib(fig, format="png")


def Status(model: AllianceModel):
    """The current date, the partnership indicator and the parameters in force.

    Plain HTML, not Markdown: solara's Markdown fetches a maths renderer from a CDN, which a
    page served with no network cannot load.
    """
    s, p = model.spec, model.spec.partnership
    a, b = p.pair
    i, j = model.focal_pair
    if model.partnership:
        verdict = f"<b>{a}–{b}: strategic partners</b> since {model.dates[model.partnership_step]}"
    else:
        verdict = f"{a}–{b}: not partners (conditions held {model.streak} of {p.hold} quarters)"
    clients = ", ".join(f"{n}'s autonomy {x.autonomy:.2f}" for n, x in s.actors.items() if x.patron)
    with solara.Column(gap="0px") as status:
        solara.HTML(tag="h3", unsafe_innerHTML=f"{model.date} · {verdict}")
        solara.HTML(tag="p", unsafe_innerHTML=(
            f"{a} → {b} {model.state.A[i, j]:+.2f}, {b} → {a} {model.state.A[j, i]:+.2f} (threshold {p.threshold:g}); "
            f"cooperation {model.state.E[i, j]:.2f} (threshold {p.cooperation:g}).<br>"
            f"In force: sanctions {s.parameters.sanctions:.2f}; {clients}."))
    return status


def make_page(scenario: Scenario):
    cls = model_class(scenario)
    params = model_params(scenario)
    model = cls(rng=params["rng"]["value"])
    name = f"alliance-sim — {scenario.name}"

    @solara.component
    def Page():
        solara.Title(name)  # the browser tab's title (solara's own, otherwise)
        SolaraViz(model, components=[StanceChart, NetworkChart], model_params=params, name=name, play_interval=150)

    return Page()


page = make_page(scenario_from_environment())
