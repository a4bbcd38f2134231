"""What a briefing needs: figures that cannot be misread, intervals that respect the parameter sets,
the parameters a run used and the model's standing said in plain words, comparisons and exports."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml

from sim.core.outcomes import effective_runs, summarise, wilson_interval
from sim.outputs.figures.map import map_figure
from sim.outputs.figures.network import draw_network
from sim.scenario import load_scenario

from conftest import SCENARIOS, cli


def test_a_network_label_sits_by_the_stance_s_source():
    fig, ax = plt.subplots()
    A = np.full((3, 3), np.nan)
    A[0, 1] = 0.9  # A -> B only
    draw_network(ax, ["A", "B", "C"], np.full(3, 0.3), A)
    label = next(t for t in ax.texts if t.get_text() == "+0.90")
    x, y = label.get_position()
    a, b = (0.0, 1.0), (np.cos(np.pi / 2 - 2 * np.pi / 3), np.sin(np.pi / 2 - 2 * np.pi / 3))
    assert np.hypot(x - a[0], y - a[1]) < np.hypot(x - b[0], y - b[1])
    plt.close(fig)


def clustered(rng, sets: int, per_set: int, alike: bool) -> pd.DataFrame:
    """Runs sharing parameter sets: each set all-or-nothing (alike) or each run on its own."""
    reached = (np.repeat(rng.random(sets) < 0.3, per_set) if alike else rng.random(sets * per_set) < 0.3)
    return pd.DataFrame({"point": 0, "parameter_set": np.repeat(np.arange(sets), per_set), "partnership": reached,
                         "first_step": 1.0, "final_alignment": 0.0, "final_alignment_back": 0.0, "final_cooperation": 0.0})


@pytest.mark.parametrize("seed", range(5))
def test_a_share_s_interval_counts_the_parameter_sets(seed):
    rng = np.random.default_rng(seed)
    runs = 200
    alike = summarise(clustered(rng, 20, 10, alike=True)).iloc[0]
    low, high = wilson_interval(np.array(alike["partnership_share"] * runs), np.array(runs))
    assert alike["share_high"] - alike["share_low"] > 2 * (high - low)  # 20 sets, not 200 runs
    apart = summarise(clustered(rng, 20, 10, alike=False)).iloc[0]
    low, high = wilson_interval(np.array(apart["partnership_share"] * runs), np.array(runs))
    assert apart["share_high"] - apart["share_low"] < 1.6 * (high - low)  # about as many as there are runs


def test_effective_runs_lie_between_the_sets_and_the_runs():
    found = effective_runs(pd.Series([0.0, 0.3, 0.3]), pd.Series([200, 200, 200]), pd.Series([0.0, 0.21, 0.0]),
                           pd.Series([20, 20, 20]))
    assert list(found) == [20.0, 20.0, 200.0]


def summary_of(shares, p10, p90, stances=(0.5, 0.4), cooperation=0.3):
    grid = [(x, y) for x in (0.0, 0.5, 1.0) for y in (0.0, 0.5, 1.0)]
    return pd.DataFrame({"point": range(9), "parameters.sanctions": [g[0] for g in grid],
                         "actors.Seoul.autonomy": [g[1] for g in grid], "runs": 200, "partnership_share": shares,
                         "share_p10": p10, "share_p90": p90, "median_final_alignment": stances[0],
                         "median_final_alignment_back": stances[1], "median_final_cooperation": cooperation})


def test_the_map_stars_the_scenario_s_values_and_leaves_out_what_says_nothing():
    s = load_scenario(SCENARIOS / "sanctions_autonomy_sweep.yaml")
    fig = map_figure(summary_of(np.linspace(0, 0.8, 9), np.zeros(9), np.linspace(0, 1, 9)), s,
                     "parameters.sanctions", "actors.Seoul.autonomy")
    titles = [ax.get_title() for ax in fig.axes]
    assert not any("10th" in t for t in titles) and any("90th" in t for t in titles)  # 0% everywhere: not drawn
    star = next(line for line in fig.axes[0].lines if line.get_marker() == "*")
    assert tuple(star.get_xydata()[0]) == (0.6, 0.35)  # the file's own sanctions and autonomy
    title = " ".join(fig._suptitle.get_text().split())
    assert "10th percentile" in title and "not drawn" in title and ".yaml" not in title and "not a forecast" in title
    plt.close(fig)
    fig = map_figure(summary_of(np.zeros(9), np.zeros(9), np.zeros(9)), s, "parameters.sanctions", "actors.Seoul.autonomy")
    assert "no combination reaches partnership" in " ".join(fig._suptitle.get_text().split())
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert [t.get_text() for t in legends[0].get_texts()] == ["Moscow → Seoul stance below 0.5"]  # only what a cell is
    plt.close(fig)


def test_a_run_says_which_parameters_it_used(tmp_path):
    plain = cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "p",
                "--file-values")
    assert plain.stderr.startswith("parameters: the scenario file's hand-set values (not calibrated")
    assert "hand-set" in json.loads((tmp_path / "p" / "manifest.json").read_text())["parameters"]
    drawn = cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "d",
                "--posterior", SCENARIOS / "posteriors" / "history_2005_2024")
    assert "drawn from the posterior" in drawn.stderr and "(1,000 sets)" in drawn.stderr
    assert json.loads((tmp_path / "d" / "manifest.json").read_text())["parameters"].endswith("(1,000 sets)")
    report = cli("report", tmp_path / "d")
    page = (tmp_path / "d" / "report.html").read_text()
    assert report.returncode == 0 and "How far to trust this" in page
    for word in ("calibrated", "'nothing changes'", "not a forecast", "drawn from the posterior"):
        assert word.replace("'", "&#x27;") in page or word in page, word


@pytest.mark.parametrize("posterior", [None, "history_2005_2024"])
def test_every_figure_of_a_folder_says_which_parameters_made_it(tmp_path, monkeypatch, posterior):
    from matplotlib.text import Text

    import sim.outputs.figures as figures

    drawn = {}

    def keep(fig, path, svg=False):
        drawn[path.name] = " ".join(" ".join(t.get_text().split()) for t in fig.findobj(Text))  # lines wrapped as one
        plt.close(fig)
        return [path.with_suffix(".png")]

    monkeypatch.setattr(figures, "save", keep)
    chosen = ["--posterior", SCENARIOS / "posteriors" / posterior] if posterior else ["--file-values"]
    assert cli("batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--set", "sweep.replicates=10", *chosen,
               "--out", tmp_path / "b", "--quiet").returncode == 0
    assert cli("plot", tmp_path / "b", "--quiet").returncode == 0
    said = f"posterior '{posterior}' (1,000 sets" if posterior else "parameters: the file's hand-set values"
    assert len(drawn) == 3 and {"map", "paths"} < set(drawn)  # and the trajectories at a design point
    assert all(said in text for text in drawn.values()), drawn


def test_every_figure_of_a_decision_says_which_parameters_made_it(tmp_path, monkeypatch):
    from matplotlib.text import Text

    import sim.outputs.figures as figures

    drawn = {}

    def keep(fig, path, svg=False):
        drawn[path.name] = " ".join(" ".join(t.get_text().split()) for t in fig.findobj(Text))
        plt.close(fig)
        path.with_suffix(".png").write_bytes(b"")  # the folder is moved into place with its figures
        return [path.with_suffix(".png")]

    monkeypatch.setattr(figures, "save", keep)
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump({"base": str(SCENARIOS / "decide_2025.yaml"),
                                    "decision": {"ensemble": 4, "replicates": 1, "population": 4, "generations": 1}}))
    assert cli("decide", path, "--out", tmp_path / "d", "--quiet").returncode == 0
    assert {"policies", "regret", "boxes", "voi"} <= set(drawn)
    assert all("parameters: posterior 'history_2005_2024'" in text for text in drawn.values()), drawn


def test_history_says_how_far_the_model_can_be_trusted(tmp_path):
    result = cli("history", "--runs", "10", "--out", tmp_path / "h")
    assert result.returncode == 0, result.stderr
    assert "better than 'nothing changes'" in result.stdout and "not as forecasts" in result.stdout


def test_compare_labels_its_rows_and_a_comparison_can_be_exported(tmp_path):
    base = ["run", SCENARIOS / "baseline_2018.yaml", "--replicates", "4", "--steps", "8"]
    assert cli(*base, "--out", tmp_path / "a", "--file-values").returncode == 0
    assert cli(*base, "--out", tmp_path / "b", "--posterior", SCENARIOS / "posteriors" / "history_2005_2024").returncode == 0
    unlabelled = cli("compare", tmp_path / "a", tmp_path / "b", "--out", tmp_path / "c0")
    assert "baseline_2018 (hand-set)" in unlabelled.stdout and "baseline_2018 (posterior)" in unlabelled.stdout
    result = cli("compare", tmp_path / "a", tmp_path / "b", "--label", "hand-set", "--label", "calibrated",
                 "--out", tmp_path / "c")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "c" / "compare.csv")
    assert list(table["item"]) == ["hand-set", "calibrated"]
    assert all(len(str(v).split(".")[-1]) <= 4 for v in table.select_dtypes("number").to_numpy().ravel())
    assert cli("compare", tmp_path / "a", tmp_path / "b", "--label", "one").returncode == 2
    book = cli("export", tmp_path / "c", "--format", "xlsx")
    assert book.returncode == 0, book.stderr
    assert list(pd.read_excel(tmp_path / "c" / "compare.xlsx")["item"]) == ["hand-set", "calibrated"]


def test_a_workbook_written_in_blocks_says_how_far_it_has_got(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.outputs.export.BLOCK", 50)  # blocks of 50 rows: the sheet is written in eleven
    assert cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "3", "--steps", "8", "--out", tmp_path / "r").returncode == 0
    result = cli("export", tmp_path / "r", "--format", "xlsx")
    assert result.returncode == 0, result.stderr
    assert "trajectories: 540 of 540 rows written" in result.stderr
    sheets = pd.read_excel(tmp_path / "r" / "export.xlsx", sheet_name=None)
    csv = cli("export", tmp_path / "r", "--format", "csv")
    assert csv.returncode == 0
    flat = pd.read_csv(tmp_path / "r" / "export" / "trajectories.csv")
    pd.testing.assert_frame_equal(sheets["trajectories"], flat, check_dtype=False)


def test_a_scenario_that_names_its_posterior_draws_from_it_unless_told_otherwise(tmp_path):
    base = ["run", SCENARIOS / "baseline_2025.yaml", "--replicates", "3", "--steps", "90", "--quiet"]
    named = cli(*base, "--out", tmp_path / "named")
    assert named.returncode == 0, named.stderr
    manifest = json.loads((tmp_path / "named" / "manifest.json").read_text())
    assert manifest["posterior"].endswith("history_2005_2024") and "posterior" in manifest["parameters"]
    own = cli(*base, "--file-values", "--out", tmp_path / "own")
    assert own.returncode == 0 and "posterior_sha256" not in json.loads((tmp_path / "own" / "manifest.json").read_text())
    both = cli(*base, "--file-values", "--posterior", SCENARIOS / "posteriors" / "history_2005_2024", "--out", tmp_path / "x")
    assert both.returncode == 2 and "one of the two" in both.stderr


def test_the_date_column_orders_quarters_in_time(tmp_path):
    import sim

    assert cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "10", "--out", tmp_path / "r",
               "--quiet").returncode == 0
    dates = sim.load_results(tmp_path / "r").trajectories["date"]
    assert dates.max() == "2021Q1" and dates.min() == "2018Q3" and dates.cat.ordered


def test_event_labels_in_one_quarter_or_the_next_stand_apart_each_joined_to_its_line(tmp_path):
    import matplotlib.text as mtext

    import sim
    from sim.outputs.figures.trajectories import trajectories_figure

    file = tmp_path / "events.yaml"
    file.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\nname: events\nevents:\n"
                    "  - {at: 2020Q1, set: {sanctions: 0.9}, note: 'a first event'}\n"
                    "  - {at: 2020Q1, set: {actors.Seoul.autonomy: 0.5}, note: 'a second event, same quarter'}\n"
                    "  - {at: 2020Q2, set: {sanctions: 0.5}, note: 'the next quarter'}\n")
    assert cli("run", file, "--replicates", "2", "--steps", "12", "--out", tmp_path / "r", "--quiet").returncode == 0
    found = sim.load_results(tmp_path / "r")
    fig = trajectories_figure(found.trajectories, found.scenario)
    fig.canvas.draw()
    labels = {t.get_text().strip(): t for t in fig.axes[0].texts if t.get_rotation() == 90}
    assert {label.xy[0] for label in labels.values()} == {2020.0, 2020.25}
    assert labels["the next quarter"].xy[0] == 2020.25
    boxes = [mtext.Text.get_window_extent(t) for t in labels.values()]  # the text alone, not its leader
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plt.close(fig)


@pytest.mark.parametrize("font", ["this machine's", "none"])
def test_names_in_hangul_and_kanji_are_drawn_or_the_packages_of_a_font_are_named(tmp_path, monkeypatch, font):
    import warnings

    from sim.outputs.figures import fonts, save

    if font == "none":
        monkeypatch.setattr(fonts, "FONT", None)
    fig, ax = plt.subplots()
    draw_network(ax, ["서울", "東京", "Moscow"], np.full(3, 0.3), np.full((3, 3), np.nan))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        save(fig, tmp_path / "names")
    said = [str(w.message) for w in caught]
    if fonts.FONT is None:  # as on a machine without one
        assert any("fonts-noto-cjk" in m for m in said), said
    else:
        assert not any("missing from font" in m or "no font" in m for m in said), said


def test_one_pass_of_validation_reports_schema_and_reference_problems_events_counted_from_1(tmp_path):
    file = tmp_path / "bad.yaml"
    file.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\nname: bad\nsteps: 20\n"
                    "parameters: {sanctions: 2}\n"
                    "partnership: {pair: [Seoul, Moscw]}\n"
                    "events:\n"
                    "  - {at: 2030Q1, set: {sanctions: 0.2}}\n"
                    "  - {at: 2019Q1, set: {sanctions: 0.2}, nte: x}\n")
    found = cli("validate", file)
    lines = found.stderr.splitlines()
    assert found.returncode == 2 and len(lines) == 4, found.stderr
    assert lines[0].startswith(f"{file}:4: parameters.sanctions: value 2")  # the schema's
    assert lines[1].startswith(f"{file}:5: partnership.pair item 2: unknown actor 'Moscw' (did you mean 'Moscow'?)")
    assert lines[2].startswith(f"{file}:7: event 1, at: 2030Q1 is outside the run")  # the checks across fields
    assert lines[3].startswith(f"{file}:8: event 2, nte: unknown field 'nte' in event 2 (did you mean 'note'?)")


def test_a_check_that_would_judge_the_default_of_a_bad_field_waits_for_it(tmp_path):
    file = tmp_path / "bad.yaml"  # steps is wrong: whether the event lies outside the run cannot be said yet
    file.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\nname: bad\nsteps: -3\n"
                    "events:\n  - {at: 2060Q1, set: {sanctions: 0.2}}\n")
    found = cli("validate", file)
    assert found.returncode == 2 and found.stderr.count("\n") == 1 and "steps: value -3" in found.stderr, found.stderr


def test_the_commands_that_take_a_while_say_how_far_they_have_got_unless_quiet(tmp_path):
    assert cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "4", "--steps", "8", "--out", tmp_path / "r",
               "--quiet").returncode == 0
    said = {"plot": cli("plot", tmp_path / "r").stderr, "report": cli("report", tmp_path / "r").stderr,
            "history": cli("history", "--runs", "20", "--out", tmp_path / "h").stderr}
    assert "plot: the trajectories figure (1 of 2)" in said["plot"] and "plot: the network figure (2 of 2)" in said["plot"]
    assert "report: the trajectories" in said["report"] and "report: the paths" in said["report"]
    assert "simulating 20 runs" in said["history"] and "holding them to the observed series" in said["history"]
    for command in (["plot", tmp_path / "r", "--out", tmp_path / "again"], ["report", tmp_path / "r", "--replace"]):
        assert cli(*command, "--quiet").stderr == ""


def test_the_forecast_verdict_calls_a_skill_better_or_worse_only_where_its_interval_excludes_zero():
    from sim.evidence.forecast import verdict

    skills = pd.DataFrame({"model": "m", "subset": "all", "forecasts": 100, "against": ["a", "b", "c"],
                           "skill": [0.2, -0.2, 0.05], "low": [0.1, -0.3, -0.05], "high": [0.3, -0.1, 0.15]})
    for held, fit in ((0.8, "about right"), (0.6, "narrower than they should be"), (0.95, "wider")):
        line = verdict(pd.DataFrame({"in_80": [held]}, index=["m"]), skills)[0]
        assert "better than a (+20.0%" in line and "worse than b (-20.0%" in line and "no better than c (+5.0%" in line
        assert f"held {held:.0%} of the outcomes ({fit})" in line


def test_the_selection_verdict_names_the_choice_and_each_model_against_persistence():
    from sim.evidence.selection import verdict

    table = pd.DataFrame({"model": ["full", "null"] * 2, "misfit": [1.2, 1.5, 2.0, 1.9], "persistence_misfit": [1.4, 1.4, 1.95, 1.95],
                          "window": ["validation 2015-2018"] * 2 + ["hindcast 2019-2024"] * 2, "chosen": [True, False] * 2})
    first, chose, hindcast = verdict(table)
    assert "'full' 1.2 (better than 'nothing changes', 1.4); 'null' 1.5 (worse" in first
    assert chose == "The validation chose 'full'; the hindcast below informed no choice."
    assert hindcast.startswith("Hindcast 2019-2024") and "'full' 2 (worse" in hindcast and "'null' 1.9 (better" in hindcast


def test_a_copy_of_a_shipped_scenario_runs_from_its_new_place_and_overwrites_nothing(tmp_path):
    work = tmp_path / "mywork"
    work.mkdir()
    made = cli("new", work / "calm", "--from", "baseline_2025")
    assert made.returncode == 0 and made.stdout.strip() == str(work / "calm.yaml"), made.stderr
    text = (work / "calm.yaml").read_text()
    shipped = (SCENARIOS / "baseline_2025.yaml").read_text()
    assert text.count("\n#") == shipped.count("\n#")  # the comments kept
    copy, original = load_scenario(work / "calm.yaml"), load_scenario(SCENARIOS / "baseline_2025.yaml")
    assert copy.name == "calm" and copy.posterior == original.posterior and copy.events == original.events
    assert copy.model_copy(update={"name": original.name}).digest() == original.digest()  # the same scenario, renamed
    refused = cli("new", work / "calm.yaml", "--from", "history_2005_2024")
    assert refused.returncode == 2 and "exists" in refused.stderr and (work / "calm.yaml").read_text() == text
    misspelt = cli("new", work / "x", "--from", "baseline_2052")
    assert misspelt.returncode == 2 and "did you mean 'baseline_2025'" in misspelt.stderr
    (work / "dangling.yaml").symlink_to(work / "nowhere.yaml")
    link = cli("new", work / "dangling", "--from", "baseline_2025")
    assert link.returncode == 2 and "exists" in link.stderr and (work / "dangling.yaml").is_symlink()
    assert sorted(p.name for p in work.iterdir()) == ["calm.yaml", "dangling.yaml"]  # no ledger: never replaced


def test_a_file_that_appears_while_new_writes_its_copy_is_kept(tmp_path, monkeypatch):
    import sim.scenario

    loading = sim.scenario.load_scenario

    def racing(path, *args, **kwargs):  # a user saves a file of that name while the copy is checked
        (tmp_path / "race.yaml").write_text("USER DATA\n")
        return loading(path, *args, **kwargs)

    monkeypatch.setattr(sim.scenario, "load_scenario", racing)
    result = cli("new", tmp_path / "race", "--from", "baseline_2018")
    assert result.returncode == 2 and "appeared" in result.stderr
    assert (tmp_path / "race.yaml").read_text() == "USER DATA\n"


def test_every_share_is_said_with_the_summary_s_interval(tmp_path):
    """One rule for a share's interval: the command's line, the summary table, the comparison and the report agree."""
    import sim
    from sim.analysis import compare
    from sim.analysis.points import best_point, nearest_point
    from sim.core.outcomes import summary_text

    batch = cli("batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--set", "sweep.replicates=20", "--posterior",
                SCENARIOS / "posteriors" / "history_2005_2024", "--set", "sweep.factors={parameters.sanctions: {values: [0.0, 0.6]}, actors.Seoul.autonomy: {values: [0.35, 1.0]}}",
                "--out", tmp_path / "b", "--workers", "1")
    assert batch.returncode == 0, batch.stderr
    res = sim.load_results(tmp_path / "b")
    summary = res.summary.set_index("point")
    line = best_point(res.summary, res.scenario)
    assert line in batch.stderr
    for point in summary.index:
        row = summary.loc[point]
        item = compare.table([compare.item(res, int(point))]).iloc[0]
        assert (item["share_low"], item["share_high"]) == pytest.approx((row["share_low"], row["share_high"]))
        assert item["partnership"] == summary_text(row)
    if summary["partnership_share"].max() == 0:
        assert f"at most {summary_text(summary.iloc[0]).split('–')[-1].rstrip(')')}" in line
    assert cli("report", tmp_path / "b", "--quiet").returncode == 0
    shown = summary.loc[nearest_point(res.design, res.scenario)]  # the point `plot` draws, and the report
    assert f"({summary_text(shown)})" in (tmp_path / "b" / "report.html").read_text()
    low, high = wilson_interval(np.array([0, 20]), np.array([20, 20]))
    assert list(low) == [0.0, pytest.approx(0.8389, abs=1e-4)] and list(high) == [pytest.approx(0.1611, abs=1e-4), 1.0]


def test_a_report_of_plain_runs_of_a_sweep_file_with_hand_set_values_says_what_they_are(tmp_path):
    """No promise of a design it does not hold, events in date order, and no calibrated fit quoted
    for values set by hand."""
    path = tmp_path / "s.yaml"
    path.write_text(f"base: {SCENARIOS / 'sanctions_autonomy_sweep.yaml'}\nsteps: 8\nreplicates: 2\n"
                    "events:\n  - {at: 2019Q4, set: {sanctions: 0.7}, note: later}\n"
                    "  - {at: 2019Q1, set: {sanctions: 0.5}, note: earlier}\n")
    assert cli("run", path, "--file-values", "--out", tmp_path / "r", "--quiet").returncode == 0
    assert cli("report", tmp_path / "r", "--quiet").returncode == 0
    page = (tmp_path / "r" / "report.html").read_text()
    assert "design below" not in page and "not that batch but plain runs" in page
    assert page.index("(earlier)") < page.index("(later)")
    assert "not fitted to any data" in page


def test_a_posterior_value_a_scenario_has_no_place_for_is_named_with_what_it_sets(tmp_path):
    result = cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "r")
    assert result.returncode == 0, result.stderr
    assert ("the posterior's value autonomy_conservative is left unused: it sets actors.Seoul.autonomy@2008Q1"
            in result.stderr)
