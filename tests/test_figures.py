"""Every figure read by a stranger, with only the image: no text over another or cut by the figure's
edge, numbers written as people write them, an axis not stretched past what its sampling can tell,
event labels clear of the data, names inside their circles, and panels that say something."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

import sim
from sim.outputs.figures import decision
from sim.outputs.figures.map import map_figure, near_miss
from sim.outputs.figures.network import network_figure
from sim.outputs.figures.style import human, power_update, spread
from sim.scenario import load_scenario

from conftest import SCENARIOS, cli

EXPONENT = re.compile(r"\d[eE][-+]?\d")


def drawn_texts(fig) -> list[Text]:
    """The texts a reader sees once the figure is drawn (tick labels of ticks outside an axis' view are not drawn)."""
    if not hasattr(fig.canvas, "get_renderer"):  # closed by the command that drew it: drawn again as it saves them
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if tick.get_loc() is None or not low - 1e-9 * (high - low) <= tick.get_loc() <= high + 1e-9 * (high - low):
                    hidden |= {tick.label1, tick.label2}
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and t not in hidden]


def unreadable(fig) -> list[str]:
    """What a reader could not read: a text cut by the figure's edge, two texts over each other, a number with an exponent."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    said = [t.get_text() for t in texts]
    box = np.array([Text.get_window_extent(t, renderer).extents for t in texts])  # the text alone, not an arrow
    edge = fig.bbox.padded(1).extents
    inside = (box[:, :2] >= edge[:2]).all(axis=1) & (box[:, 2:] <= edge[2:]).all(axis=1)
    found = [f"cut: {text[:50]!r}" for text, ok in zip(said, inside) if not ok]
    over = ((box[:, None, 0] < box[None, :, 2]) & (box[None, :, 0] < box[:, None, 2])
            & (box[:, None, 1] < box[None, :, 3]) & (box[None, :, 1] < box[:, None, 3]))
    found += [f"over each other: {said[i][:30]!r} and {said[j][:30]!r}" for i, j in zip(*np.nonzero(np.triu(over, 1)))]
    found += [f"exponent: {text!r}" for text in said if EXPONENT.search(text)]
    return found


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    made = {"run_2025": ["run", SCENARIOS / "baseline_2025.yaml", "--replicates", "6"],  # drawn from its posterior
            "run_2018": ["run", SCENARIOS / "baseline_2018.yaml", "--replicates", "6"],
            "sweep_hand_set": ["batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--set", "sweep.replicates=3",
                               "--workers", "1"]}
    for name, command in made.items():
        result = cli(*command, "--out", root / name, "--quiet")
        assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def figures_of(monkeypatch):
    """The figures a command draws, kept open (not saved) for the test to read."""
    import sim.outputs.figures as figures

    kept = {}

    def keep(fig, path, svg=False):
        kept[path.name] = fig
        return [path.with_suffix(".png")]

    monkeypatch.setattr(figures, "save", keep)
    yield kept
    plt.close("all")


@pytest.mark.parametrize("folder, options", [
    ("run_2025", []), ("run_2018", []),
    ("sweep_hand_set", ["--where", "actors.Seoul.autonomy=0.5", "--where", "parameters.sanctions=0.3"]),  # runs of both kinds
])
def test_every_figure_plot_draws_is_readable(folders, figures_of, folder, options):
    result = cli("plot", folders / folder, *options, "--quiet")
    assert result.returncode == 0, result.stderr
    assert figures_of
    for name, fig in figures_of.items():
        assert not unreadable(fig), (name, unreadable(fig))


def test_a_comparison_is_readable_and_says_what_differs(folders, figures_of, tmp_path):
    result = cli("compare", folders / "run_2018", folders / "run_2025", folders / "sweep_hand_set", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    fig = figures_of["compare"]
    assert not unreadable(fig), unreadable(fig)
    title = " ".join(fig._suptitle.get_text().split())
    assert "settings that differ" in title and "start: 2018Q3 | 2005Q1" in title


def test_event_labels_stand_clear_of_the_data_and_power_updates_wait_to_be_asked_for(folders):
    from sim.outputs.figures import trajectories_figure

    res = sim.load_results(folders / "run_2025")
    updates = sum(power_update(e) for e in res.scenario.events)
    assert updates == 19  # SIPRI's yearly shares, 2006-2024
    for events, sipri in (("drivers", 0), ("all", updates), ("none", 0)):
        fig = trajectories_figure(res.trajectories, res.scenario, events=events)
        assert not unreadable(fig), (events, unreadable(fig))
        renderer = fig.canvas.get_renderer()
        labels = [t for t in fig.axes[0].texts if t.get_rotation() == 90]  # in the strip above the panels, if any
        assert sum("SIPRI" in t.get_text() for t in labels) == sipri, events
        assert (len(labels) > 0) == (events != "none")
        panels = [ax.get_window_extent() for ax in fig.axes if ax.get_ylabel()]  # the panels that hold data
        for label in labels:
            box = Text.get_window_extent(label, renderer)
            assert not any(box.overlaps(panel) for panel in panels), label.get_text()
        plt.close(fig)


def test_from_and_to_show_those_quarters_and_a_bad_one_is_named(folders, figures_of):
    result = cli("plot", "trajectories", folders / "run_2025", "--from", "2020Q1", "--to", "2030Q4", "--quiet")
    assert result.returncode == 0, result.stderr
    ax = figures_of["trajectories_Seoul"].axes[1]
    x = np.concatenate([line.get_xdata() for line in ax.lines if len(line.get_xdata()) > 2])
    assert x.min() == 2020.0 and x.max() == 2030.75
    for option, value in (("--from", "2000Q1"), ("--to", "2040Q5"), ("--from", "2030Q1")):
        extra = ["--to", "2025Q1"] if value == "2030Q1" else []
        bad = cli("plot", "trajectories", folders / "run_2025", option, value, *extra)
        assert bad.returncode == 2 and "allowed:" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr


@pytest.mark.parametrize("seed", range(20))
def test_numbers_are_written_without_exponents_and_close_enough_for_their_axis(seed):
    rng = np.random.default_rng(seed)
    span = 10.0 ** rng.uniform(-7, 4)
    for value in rng.uniform(-1, 1, 20) * span * rng.uniform(0.5, 50):
        text = human(value, span)
        assert not EXPONENT.search(text) and "e" not in text
        shown = float(text.replace(",", ""))
        assert abs(shown - value) <= max(span / 20, 10.0 ** -6), (value, span, text)


@pytest.mark.parametrize("seed", range(10))
def test_spread_labels_keep_their_gap_and_stay_near_their_marks(seed):
    rng = np.random.default_rng(seed)
    at = np.sort(rng.uniform(0, 10, rng.integers(2, 40)))
    placed = spread(at, 0.3)
    assert np.all(np.diff(placed) >= 0.3 - 1e-9)
    assert abs(placed.mean() - at.mean()) < 1e-9  # groups centred on what they label


def policies(values: dict[str, np.ndarray], roles: list[str]) -> pd.DataFrame:
    n = len(roles)
    return pd.DataFrame({"policy": ["status quo"] + [f"P{k}" for k in range(1, n)], "role": roles,
                         "satisficing": np.linspace(0.2, 0.9, n), **values})


def test_an_axis_the_sampling_cannot_tell_apart_is_not_stretched():
    rng = np.random.default_rng(0)
    found = policies({"lever": rng.uniform(0, 1, 30), "years": 15.22 + rng.uniform(0, 0.03, 30),
                      "trade": rng.uniform(0.08, 0.2, 30)}, ["status quo", "most often good enough"] + [""] * 28)
    fig = decision.policies_figure(found, {"lever": "a lever", "years": "years", "trade": "trade"}, "policies",
                                   errors={"years": 0.05, "trade": 0.001})
    ax = fig.axes[0]
    ys = np.array([line.get_ydata() for line in ax.lines if len(line.get_ydata()) == 3])
    assert np.ptp(ys[:, 1]) < 0.35  # 0.03 apart where 0.1 cannot be told apart: a third of the axis, not all of it
    assert np.ptp(ys[:, 0]) > 0.95 and np.ptp(ys[:, 2]) > 0.95  # real differences fill their axes
    said = " ".join(t.get_text() for t in drawn_texts(fig))
    assert "not told apart" in said and not EXPONENT.search(said)
    assert not unreadable(fig), unreadable(fig)
    plt.close(fig)


def test_only_the_policies_with_a_role_are_drawn_in_colour_and_named():
    rng = np.random.default_rng(1)
    found = policies({"lever": rng.uniform(0, 1, 300), "trade": rng.uniform(0, 1, 300)},
                     ["status quo", "best trade", "most often good enough; best alliance"] + [""] * 297)
    fig = decision.policies_figure(found, {"lever": "a lever", "trade": "trade"}, "policies")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "the other 297 efficient policies" and len(legend) == 4
    assert legend[1].startswith("status quo (") and legend[2].startswith("P1: best trade (")
    coloured = {line.get_color() for line in fig.axes[0].lines if line.get_linewidth() > 2}
    assert len(coloured) == 3
    plt.close(fig)


def test_policies_that_run_along_one_another_are_each_seen_and_said_to():
    found = policies({"lever": [0.1, 0.9, 0.9, 0.5], "trade": [0.2, 0.8, 0.8, 0.5]},
                     ["status quo", "best trade", "best partnership", ""])
    found.loc[1, "satisficing"] = 0.095
    fig = decision.policies_figure(found, {"lever": "a lever", "trade": "trade"}, "policies")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[2].startswith("P1: best trade (good enough in 9.5% of the states)")  # as every share is written
    assert legend[3].endswith("dashed: it runs along P1") and "runs along" not in legend[2]
    named = [line for line in fig.axes[0].lines if line.get_linewidth() > 2]
    assert [line.get_linestyle() for line in named] == ["-", "-", "--"]
    plt.close(fig)


def regret_table(names: list[str]) -> pd.DataFrame:
    n = len(names)
    table = {"policy": names, "role": ["status quo"] + ["best trade"] * (n - 1)}
    for objective, scale in (("trade", 0.2), ("soon", 0.0)):
        p90 = np.linspace(0, scale, n)
        table |= {f"{objective}_regret_p90": p90, f"{objective}_regret_p90_low": p90 * 0.9,
                  f"{objective}_regret_p90_high": p90 * 1.1, f"{objective}_regret_max": p90 * 1.5}
    return pd.DataFrame(table)


def test_regret_names_its_rows_once_and_its_legend_matches_its_bars():
    found = regret_table(["status quo", "P1", "P2"])
    names = decision.policy_names(found)
    assert names == ["status quo", "P1: best trade", "P2: best trade"]
    fig = decision.regret_figure(found, {"trade": "trade", "soon": "years to it"}, names, "regret")
    assert len(fig.axes) == 1  # no regret at all on 'soon': named, not drawn
    assert "no policy has any regret on: years to it" in " ".join(fig._suptitle.get_text().split())
    bars = {tuple(np.round(p.get_facecolor(), 3)) for p in fig.axes[0].patches}
    swatch = tuple(np.round(fig.legends[0].get_patches()[0].get_facecolor(), 3))
    assert bars == {swatch}
    assert not unreadable(fig), unreadable(fig)
    plt.close(fig)


def test_value_of_information_draws_no_empty_panel():
    labels = {"trade": "trade in 2040", "soon": "years to it"}
    rows = [{"criterion": c, "value": v, "evppi": e, "chance_p95": 0.01, "informative": e > 0.01}
            for c, scale in (("trade", 0.0004), ("soon", 0.0)) for v, e in zip(("rate", "mechanisms.balance"), (scale, scale / 2))]
    fig = decision.voi_figure(pd.DataFrame(rows), labels, "worth knowing")
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == ["trade in 2040"]
    said = " ".join(fig._suptitle.get_text().split())
    assert "years to it" in said and "blue" not in said
    assert not unreadable(fig), unreadable(fig)
    plt.close(fig)
    nothing = decision.voi_figure(pd.DataFrame(rows).assign(evppi=0.0), labels, "worth knowing")
    assert nothing.axes == [] and "zero" in nothing._suptitle.get_text()
    plt.close(nothing)


def test_where_a_policy_fails_is_written_in_numbers_with_readable_names():
    box = pd.DataFrame({"low": [0.28, 0.01], "high": [2.32, 0.05]}, index=["mechanisms.patron_pull", "noise"])
    box.attrs |= {"coverage": 0.56, "density": 0.5}
    ranges = pd.DataFrame({"low": [0.0, 0.005], "high": [3.0, 0.08]}, index=["mechanisms.patron_pull", "noise"])
    fig = decision.boxes_figure({"status quo": box, "P1": box.iloc[:0], "P2": None}, ranges, "where they fail")
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert rows[0].startswith("weight of patron pull: fails at 0.28–2.32 (of 0–3)")
    assert "P1: fails across the states" in fig._suptitle.get_text() and len(fig.axes) == 1
    assert not unreadable(fig), unreadable(fig)
    plt.close(fig)


def test_policies_failing_in_the_same_box_share_one_panel():
    box = pd.DataFrame({"low": [0.28], "high": [2.32]}, index=["mechanisms.patron_pull"])
    box.attrs |= {"coverage": 0.56, "density": 0.5}
    other = box.copy()
    other.attrs |= {"coverage": 0.56, "density": 0.5}
    ranges = pd.DataFrame({"low": [0.0], "high": [3.0]}, index=["mechanisms.patron_pull"])
    fig = decision.boxes_figure({"P1": box, "P2": other, "P3": box.assign(low=1.0)}, ranges, "where they fail")
    titles = [" ".join(ax.get_title(loc="left").split()) for ax in fig.axes]
    assert len(titles) == 2 and titles[0].startswith("P1 and P2 fail in the orange box: 56% of their failures")
    plt.close(fig)


def test_a_value_of_information_too_small_to_matter_says_how_small():
    rows = [{"criterion": "trade", "value": v, "evppi": e, "chance_p95": 0.0, "informative": e > 0}
            for v, e in (("rate", 4.5e-5), ("noise", 0.0))]
    fig = decision.voi_figure(pd.DataFrame(rows), {"trade": "trade in 2040"}, "worth knowing", spans={"trade": 0.17})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["rate"]  # a value worth nothing is not drawn
    assert "at most 0.000045: 0.03% of the 0.17 between the policies' means" in " ".join(ax.get_title().split())
    plt.close(fig)


def test_the_near_miss_is_the_condition_furthest_from_its_threshold():
    s = load_scenario(SCENARIOS / "baseline_2018.yaml")
    rng = np.random.default_rng(3)
    summary = pd.DataFrame({"median_final_alignment": rng.uniform(-1, 1, 200), "median_final_alignment_back": rng.uniform(-1, 1, 200),
                            "median_final_cooperation": rng.uniform(0, 1, 200)})
    found = near_miss(summary, s)
    p = s.partnership
    margins = summary.to_numpy() - [p.threshold, p.threshold, p.cooperation]
    fails = margins.min(axis=1) < 0
    assert (found["binding"][fails] == margins[fails].argmin(axis=1)).all() and (found["binding"][~fails] == 3).all()
    assert np.allclose(found["shortfall"], np.maximum(-margins.min(axis=1), 0))


def test_a_map_with_small_shares_is_scaled_to_them_and_says_how_near_the_rest_come():
    s = load_scenario(SCENARIOS / "sanctions_autonomy_sweep.yaml")
    grid = [(x, y) for x in (0.0, 0.5, 1.0) for y in (0.0, 0.5, 1.0)]
    summary = pd.DataFrame({"point": range(9), "parameters.sanctions": [g[0] for g in grid],
                            "actors.Seoul.autonomy": [g[1] for g in grid], "runs": 200,
                            "partnership_share": [0.0] * 8 + [0.025], "median_final_alignment": 0.5,
                            "median_final_alignment_back": 0.3, "median_final_cooperation": 0.35})
    fig = map_figure(summary, s, "parameters.sanctions", "actors.Seoul.autonomy")
    share = fig.axes[0]
    assert share.collections[0].norm.vmax == pytest.approx(0.025)  # the highest share, not 100%
    written = {t.get_text() for t in share.texts}
    assert {"0%", "2.5%"} <= written
    near = next(ax for ax in fig.axes if "near miss" in ax.get_title())
    short = s.partnership.threshold - 0.3
    assert {t.get_text() for t in near.texts} == {f"−{short:.2f}"}  # Moscow's stance toward Seoul, short of the line
    assert not unreadable(fig), unreadable(fig)
    plt.close(fig)


def test_names_sit_inside_their_circles_and_a_key_gives_the_scale(folders):
    res = sim.load_results(folders / "run_2018")
    fig = network_figure(res.trajectories, res.scenario)
    drawn_texts(fig)
    ax = fig.axes[0]
    nodes = ax.collections[0]
    centres = ax.transData.transform(nodes.get_offsets())
    radii = np.sqrt(nodes.get_sizes()) / 2 * fig.dpi / 72
    renderer = fig.canvas.get_renderer()
    for name, centre, radius in zip(res.scenario.names, centres, radii):
        label = next(t for t in ax.texts if t.get_text() == name)
        box = label.get_window_extent(renderer)
        corners = np.array([[box.x0, box.y0], [box.x0, box.y1], [box.x1, box.y0], [box.x1, box.y1]])
        assert np.all(np.hypot(*(corners - centre).T) <= radius), name
    assert any("circle area: power" in t.get_text() for t in ax.texts)
    assert not unreadable(fig), unreadable(fig)
    plt.close(fig)


def test_a_count_has_a_colour_for_each_whole_number():
    from types import SimpleNamespace

    from sim.outputs.figures import discovery_figure

    trajectory = pd.DataFrame({"coverage": np.linspace(1, 0.2, 8), "density": np.linspace(0.1, 0.9, 8),
                               "res_dim": [0, 1, 1, 2, 2, 3, 3, 3]})
    fig = discovery_figure(SimpleNamespace(trajectory=trajectory, coverage=0.5, density=0.6), "PRIM")
    drawn_texts(fig)
    bar = fig.axes[-1]
    ticks = [float(t.get_text()) for t in bar.get_yticklabels() if t.get_text()]
    assert ticks == [0, 1, 2, 3]
    assert len(np.unique(fig.axes[0].collections[0].get_facecolors(), axis=0)) == 4
    plt.close(fig)


def test_the_rank_histograms_say_what_their_line_and_band_are():
    from sim.evidence.sbc import summary
    from sim.outputs.figures.sbc import sbc_figure

    rng = np.random.default_rng(5)
    rows = pd.DataFrame({"trial": np.repeat(range(100), 3), "value": ["rate", "noise", "trade_response"] * 100,
                         "rank": rng.integers(0, 1001, 300), "draws": 1000,
                         "in_50": rng.random(300) < 0.5, "in_90": rng.random(300) < 0.9})
    fig = sbc_figure(rows, summary(rows), load_scenario(SCENARIOS / "history_2005_2024.yaml"))
    said = " ".join(fig._suptitle.get_text().split())
    assert "100 synthetic datasets" in said and "(10 a bin)" in said
    assert fig.axes[0].get_ylabel() == "trials" and not unreadable(fig), unreadable(fig)
    plt.close(fig)


def test_a_firms_exposure_is_named_as_the_docs_name_it():
    from sim.outputs.figures.style import factor_label

    assert factor_label("actors.Tokyo.sanction_sensitivity") == "exposure of Tokyo's firms to the sanctions"
    assert factor_label("actors.Seoul.autonomy@2025Q2") == "Seoul's autonomy from 2025Q2"
