"""The command line: bad input ends in one clear message and exit 2; good input in a results folder."""

import json
import subprocess

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from sim import load_results

from conftest import SCENARIOS, cli, shown

BASELINE = (SCENARIOS / "baseline_2018.yaml").read_text()

# name: (edit of the baseline text, or whole text), words the message must hold, line or None
BAD = {
    "unknown_field": (("steps: 88 ", "colour: red\nsteps: 88 "), ["colour", "unknown field", "allowed: name"], 10),
    "unknown_nested_field": (("autonomy: 0.35, patron", "autonom: 0.35, patron"), ["actors.Seoul.autonom", "allowed: power, autonomy"], 21),
    "unknown_actor": (("patron: Beijing}", "patron: Pyongyang}"), ["actors.Moscow.patron", "'Pyongyang'", "allowed: one of the actors"], 24),
    "out_of_range": (("autonomy: 0.35,", "autonomy: 1.5,"), ["actors.Seoul.autonomy", "1.5", "less than or equal to 1"], 21),
    "malformed_date": (("start: 2018Q3", "start: 2018Q5"), ["start", "2018Q5", "YYYYQn"], 9),
    "patron_cycle": (("{power: 0.218, sanction_sensitivity: 0.2}", "{power: 0.218, sanction_sensitivity: 0.2, patron: Moscow}"),
                     ["actors.", "patron", "cycle", "Beijing -> Moscow -> Beijing"], None),
    "bad_event_key": (("events: []", "events: [{at: 2030Q1, set: {sanction: 0.2}}]"), ["event 1, set.sanction", "unknown field", "allowed: sanctions"], None),
    "event_outside_run": (("events: []", "events: [{at: 2050Q1, set: {sanctions: 0.2}}]"), ["event 1, at", "2050Q1", "outside the run"], None),
    "unparsable_yaml": ("name: x\nactors: {A: {power: 0.5}\n  B: 1\n", ["not valid YAML"], 3),
    "not_a_mapping": ("- a\n- b\n", ["the document is a list", "allowed: a mapping"], 1),
    "empty_document": ("", ["the document is empty"], None),
    "object_construction": ('name: !!python/object/apply:os.system ["touch PWNED"]\n', ["not valid YAML", "python/object"], 1),
    "duplicate_key": (("steps: 88 ", "steps: 40\nsteps: 88 "), ["steps", "appears twice"], 11),
    # a 1 KB file whose aliases would expand to 9**9 items ("billion laughs"): refused before anything is built
    "alias_bomb": ("name: bomb\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")),
        ["uses the YAML alias *a", "allowed: no aliases"], 3),
    "too_deep": ("name: x\nv: " + "[" * 40 + "]" * 40 + "\n", ["nests deeper than 32 levels", "allowed: at most 32"], 2),
    "too_large": ("name: x\n# " + "x" * 1_000_100 + "\n", ["bytes; allowed: at most 1,000,000"], None),
    "tab_indent": ("name: x\nactors:\n\tSeoul: {power: 0.1}\n", ["not valid YAML", "indent with spaces, not tabs"], 3),
}


def write_bad(folder, name):
    edit, words, line = BAD[name]
    text = BASELINE.replace(*edit) if isinstance(edit, tuple) else edit
    assert text != BASELINE
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path, words, line


@pytest.mark.parametrize("name", sorted(BAD))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_scenario_gets_one_clear_message_and_exit_2(tmp_path, name, command):
    path, words, line = write_bad(tmp_path, name)
    out = tmp_path / "out"
    result = cli(command, path, *(["--out", out] if command == "run" else []), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert str(path) in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    if line:
        assert f"{path}:{line}:" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "nothing may be written"


def test_missing_file(tmp_path):
    result = cli("run", tmp_path / "nowhere.yaml", "--out", tmp_path / "out")
    assert result.returncode == 2 and "nowhere.yaml: no such file" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_bad_override_on_the_command_line(tmp_path):
    result = cli("run", SCENARIOS / "baseline_2018.yaml", "--set", "actors.Seoul.autonomy=2", "--out", tmp_path / "o")
    assert result.returncode == 2 and "actors.Seoul.autonomy" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["baseline_2018", "sovereign_seoul", "sanctions_escalation", "with_pyongyang"])
def test_shipped_scenarios_are_valid(name):
    result = cli("validate", SCENARIOS / f"{name}.yaml")
    assert result.returncode == 0 and "valid" in result.stdout


@pytest.mark.parametrize("command", [[], ["run"], ["plot"], ["validate"]])
def test_help_explains_every_option(command):
    result = cli(*command, "--help")
    assert result.returncode == 0
    assert "usage: alliance-sim" in result.stdout


def test_run_then_plot_writes_a_complete_results_folder(tmp_path):
    out = tmp_path / "pyongyang"
    result = cli("run", SCENARIOS / "with_pyongyang.yaml", "--replicates", "12", "--steps", "20", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {"scenario.yaml", "manifest.json", "runs.parquet", "trajectories.parquet", "outcomes.parquet"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["seeds"]) == 12 and manifest["versions"]["mesa"].startswith("3.")
    trajectories = pd.read_parquet(out / "trajectories.parquet")
    assert len(trajectories) == 12 * 21 * 6 * 5
    assert list(trajectories.columns) == ["run_id", "step", "date", "source", "target", "alignment", "cooperation", "ties"]
    assert set(trajectories["source"]) == {"Seoul", "Washington", "Beijing", "Moscow", "Tokyo", "Pyongyang"}
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert len(outcomes) == 12 * 15
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["seed"]) == manifest["seeds"]

    plotted = cli("plot", out, "--date", "2021Q3", "--svg")
    assert plotted.returncode == 0, plotted.stderr
    names = set(shown(out / "plots"))
    assert names == {"trajectories_Seoul.png", "trajectories_Seoul.svg", "network_2021Q3.png", "network_2021Q3.svg"}

    again = cli("run", SCENARIOS / "with_pyongyang.yaml", "--out", out)
    assert again.returncode == 2 and "exists" in again.stderr


def test_same_seed_same_numbers_on_either_engine(tmp_path):
    args = [SCENARIOS / "sanctions_escalation.yaml", "--replicates", "3", "--steps", "30", "--quiet"]
    assert cli("run", *args, "--out", tmp_path / "v").returncode == 0
    assert cli("run", *args, "--engine", "mesa", "--out", tmp_path / "m").returncode == 0
    for table in ("trajectories", "outcomes", "runs"):
        v, m = (pd.read_parquet(tmp_path / k / f"{table}.parquet") for k in "vm")
        pd.testing.assert_frame_equal(v, m, check_exact=False, atol=1e-9)


def test_plot_bad_date_is_refused(tmp_path):
    out = tmp_path / "r"
    cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", out)
    result = cli("plot", out, "--date", "2030Q9")
    assert result.returncode == 2 and "--date" in result.stderr and "Traceback" not in result.stderr


def test_python_dash_m_is_the_console_command():
    import shutil
    import subprocess

    console = shutil.which("alliance-sim") or str(__import__("pathlib").Path(__import__("sys").executable).parent / "alliance-sim")
    assert subprocess.run([console, "--version"], capture_output=True, text=True).stdout == cli("--version").stdout


def test_the_command_module_imports_no_heavy_library():
    """`batch` starts its worker processes before loading the scenario (pydantic) and the tables
    (pandas), so that their start-up overlaps with this process's own; `import sim.cli` must stay light."""
    import subprocess
    import sys

    code = "import sys, sim.cli; print(sorted(m for m in ('pydantic', 'pandas', 'numpy', 'mesa') if m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.returncode == 0 and found.stdout.strip() == "[]", found.stdout + found.stderr


def test_a_misspelt_set_path_lists_the_allowed_names(tmp_path):
    result = cli("run", SCENARIOS / "baseline_2018.yaml", "--set", "actors.Seol.autonomy=0.8", "--out", tmp_path / "o")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown field 'actors.Seol' (did you mean 'Seoul'?); allowed: Seoul, Washington, Beijing, Moscow, Tokyo" in result.stderr


def test_an_out_of_range_sweep_value_reads_like_every_other_message(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\nname: s\n"
                    "sweep: {factors: {actors.Seoul.autonomy: [0.5, 1.2]}}\n")
    result = cli("validate", path)
    assert result.returncode == 2
    assert "sweep.factors.actors.Seoul.autonomy: value 1.2 is not allowed: input should be less than or equal to 1" in result.stderr


def test_validate_says_how_many_runs_and_warns_of_a_very_large_design(tmp_path):
    small = cli("validate", SCENARIOS / "sanctions_autonomy_sweep.yaml")
    assert small.returncode == 0 and "0 events" in small.stdout and "6,050 runs" in small.stdout
    assert "warning" not in small.stderr
    path = tmp_path / "huge.yaml"
    path.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\nname: huge\nsweep: {{replicates: 2000, factors: "
                    "{sanctions: {range: [0, 1], points: 100}, actors.Seoul.autonomy: {range: [0, 1], points: 100}}}\n")
    huge = cli("validate", path)
    assert huge.returncode == 0 and "20,000,000 runs" in huge.stdout
    assert "warning: 20,000,000 runs would take about" in huge.stderr and "hours on one worker" in huge.stderr


def test_export_writes_flat_tables_with_the_scenario_and_factor_values(tmp_path):
    from sim.batch.plan import Plan
    from sim.batch.run import run_batch
    from sim.scenario import load_scenario, with_overrides

    s = with_overrides(load_scenario(SCENARIOS / "sanctions_autonomy_sweep.yaml"),
                       {"steps": 8, "sweep.replicates": 2, "sweep.factors": {"parameters.sanctions": [0.1, 0.9]}})
    run_batch(Plan.of(s), tmp_path / "b")
    result = cli("export", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert "trajectories not exported" in result.stderr and "--trajectories" in result.stderr
    folder = tmp_path / "b" / "export"
    assert shown(folder) == ["outcomes.csv", "quantiles.csv", "runs.csv", "summary.csv"]
    outcomes = pd.read_csv(folder / "outcomes.csv")
    assert (outcomes["scenario"] == "sanctions_autonomy_sweep").all()
    assert set(outcomes["parameters.sanctions"]) == {0.1, 0.9}  # every run carries its point's factor values
    assert len(outcomes) == 2 * 2 * 10  # points x replicates x unordered pairs
    res = load_results(tmp_path / "b")
    whole = res.outcomes.merge(res.runs, on="run_id")
    assert_frame_equal(outcomes.drop(columns=["scenario", "parameters"]).set_index(["run_id", "source", "target"]).sort_index(),
                       whole[outcomes.columns[2:]].astype({"source": str, "target": str})
                       .set_index(["run_id", "source", "target"]).sort_index(), check_dtype=False)
    assert cli("export", tmp_path / "b", "--trajectories", "--format", "parquet").returncode == 0
    trajectories = pd.read_parquet(folder / "trajectories.parquet")
    assert len(trajectories) == len(res.trajectories) and trajectories["run_id"].is_monotonic_increasing
    one = cli("export", tmp_path / "b", "--point", "1", "--pair", "Seoul-Moscow", "--out", tmp_path / "one")
    assert one.returncode == 0, one.stderr
    rows = pd.read_csv(tmp_path / "one" / "trajectories.csv")
    assert set(rows["point"]) == {1} and set(zip(rows["source"], rows["target"])) == {("Seoul", "Moscow"), ("Moscow", "Seoul")}
    book = cli("export", tmp_path / "b", "--format", "xlsx", "--trajectories", "--out", tmp_path / "b.xlsx")
    assert book.returncode == 0, book.stderr
    sheets = pd.read_excel(tmp_path / "b.xlsx", sheet_name=None)
    assert set(sheets) == {"summary", "runs", "quantiles", "outcomes", "trajectories"} and len(sheets["outcomes"]) == len(outcomes)


@pytest.mark.parametrize("option, message", [(["--point", "7"], "--point 7: allowed: 0 to 1"),
                                             (["--pair", "Seoul-Paris"], "unknown actor"),
                                             (["--pair", "Seoul"], "malformed pair")])
def test_export_names_a_bad_selection(tmp_path, option, message):
    from sim.batch.plan import Plan
    from sim.batch.run import run_batch
    from sim.scenario import load_scenario, with_overrides

    s = with_overrides(load_scenario(SCENARIOS / "sanctions_autonomy_sweep.yaml"),
                       {"steps": 4, "sweep.replicates": 1, "sweep.factors": {"parameters.sanctions": [0.1, 0.9]}})
    run_batch(Plan.of(s), tmp_path / "b")
    result = cli("export", tmp_path / "b", *option)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_export_of_a_missing_folder_is_a_usage_error(tmp_path):
    result = cli("export", tmp_path / "nothing")
    assert result.returncode == 2 and "not a results folder" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["plot", "sensitivity"])
def test_help_prints_percent_signs_once(command):
    result = cli(command, "--help")
    assert result.returncode == 0 and "%%" not in result.stdout and "%" in result.stdout


def test_the_trajectory_axis_covers_every_band(tmp_path):
    """Seoul -> Pyongyang starts at -0.4 with-pyongyang: the axis must reach below its band."""
    from sim.outputs.figures import trajectories_figure
    from sim.outputs.results import load_results
    from sim.outputs.tables import band

    out = tmp_path / "wp"
    assert cli("run", SCENARIOS / "with_pyongyang.yaml", "--replicates", "20", "--steps", "12", "--out", out).returncode == 0
    res = load_results(out)
    ax = trajectories_figure(res.trajectories, res.scenario).axes[0]
    t = res.trajectories
    lowest = band(t[(t["source"] == "Seoul") & (t["target"] == "Pyongyang")], "alignment")["lo"].min()
    assert lowest < -0.3 and ax.get_ylim()[0] < lowest


def test_the_shipped_json_schema_is_the_generated_one():
    from sim.scenario.json_schema import dumps

    assert (SCENARIOS / "scenario.schema.json").read_text() == dumps(), "regenerate: alliance-sim schema > scenarios/scenario.schema.json"
    assert cli("schema").stdout == dumps()


def _schema_problems(text: str) -> list[str]:
    import jsonschema
    import yaml

    from sim.scenario.json_schema import json_schema
    from sim.scenario.loading import LOADER

    validator = jsonschema.Draft7Validator(json_schema())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(yaml.load(text, Loader=LOADER))]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_passes_its_editor_schema_and_names_it(path):
    text = path.read_text()
    assert _schema_problems(text) == []
    assert text.rstrip().splitlines()[-1] == "# yaml-language-server: $schema=scenario.schema.json"


@pytest.mark.parametrize("name", ["unknown_field", "unknown_nested_field", "out_of_range"])
def test_the_editor_schema_marks_what_validate_refuses(tmp_path, name):
    path, _, _ = write_bad(tmp_path, name)
    assert _schema_problems(path.read_text())


def test_the_editor_schema_requires_nothing_of_a_file_with_a_base_and_all_of_one_without():
    assert _schema_problems("base: baseline_2018.yaml\nactors: {Pyongyang: {power: 0.02}}\n") == []
    problems = _schema_problems("name: x\n")
    assert any("'actors' is a required property" in p for p in problems)
    assert any("'partnership' is a required property" in p for p in problems)


def test_bash_completion_offers_every_command_and_the_options_of_one(tmp_path):
    from sim.cli import SUBCOMMANDS

    script = tmp_path / "complete.bash"
    script.write_text(cli("completion", "bash").stdout)
    names = sorted(c.__name__.rsplit(".", 1)[-1] for c in SUBCOMMANDS)

    def offers(*words):
        line = " ".join(("alliance-sim", *words))
        shell = (f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words)}; "
                 f"_shtab_alliance_sim; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        return sorted(subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=True).stdout.split())

    assert offers("") == names
    assert {"--resume", "--replace", "--replicates"} <= set(offers("batch", "--re"))


@pytest.mark.parametrize("edit, words", [
    (("patron: Beijing}", "patron: Bejing}"), "unknown actor 'Bejing' (did you mean 'Beijing'?)"),
    (("autonomy: 0.35, patron", "autonomi: 0.35, patron"), "unknown field 'autonomi' in actors.Seoul (did you mean 'autonomy'?)"),
])
def test_a_misspelt_name_gets_a_suggestion(tmp_path, edit, words):
    path = tmp_path / "typo.yaml"
    path.write_text(BASELINE.replace(*edit))
    result = cli("validate", path)
    assert result.returncode == 2 and words in result.stderr, result.stderr


def test_run_on_a_sweep_file_says_it_leaves_the_sweep_aside(tmp_path):
    result = cli("run", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "r")
    assert result.returncode == 0 and "`run` leaves it aside" in result.stderr and "alliance-sim batch" in result.stderr
