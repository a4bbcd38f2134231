"""A user's files are never lost, and whatever is in the way ends in one message, exit 2.

Every command writes only to a path that does not exist, or, with --replace, to one the tool
itself wrote; the final move checks again at its moment, so what appears meanwhile is kept.
Damaged folders are named on reading; names are counted in bytes; SIGTERM stops a command as
Ctrl-C does; what the tool writes is as readable as the user's umask allows."""

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.outputs import results
from sim.outputs.results import DamagedResults, load_results

from conftest import ROOT, SCENARIOS, cli

BASELINE = SCENARIOS / "baseline_2018.yaml"
SWEEP = SCENARIOS / "sanctions_autonomy_sweep.yaml"
SMALL_RUN = ["--replicates", "3", "--steps", "4"]
SMALL_BATCH = ["--set", "sweep.replicates=2", "--set", "sweep.chunk=50", "--set", "steps=6", "--workers", "1"]


def refused(result, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in result.stderr, result.stderr


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """A run's folder and a batch's folder, written once; each test copies the one it changes."""
    root = tmp_path_factory.mktemp("made")
    assert cli("run", BASELINE, *SMALL_RUN, "--out", root / "run").returncode == 0
    assert cli("batch", SWEEP, *SMALL_BATCH, "--quiet", "--out", root / "batch").returncode == 0
    return {"run": root / "run", "batch": root / "batch"}


def copy(made: dict, kind: str, where: Path) -> Path:
    shutil.copytree(made[kind], where)
    return where


# --- 1. nothing overwritten or deleted without --replace ------------------------------------


def test_report_at_a_file_of_the_folder_it_reads_is_refused(made, tmp_path):
    folder = copy(made, "run", tmp_path / "r")
    before = (folder / "manifest.json").read_bytes()
    for out in (folder / "manifest.json", folder, folder / "outcomes.parquet" / "x.html"):
        refused(cli("report", folder, "--out", out, "--replace"), "--out", "which this command reads")
    assert (folder / "manifest.json").read_bytes() == before
    assert load_results(folder).manifest["scenario"] == "baseline_2018"


def test_report_replaces_only_a_report_it_wrote(made, tmp_path):
    folder = copy(made, "run", tmp_path / "r")
    notes = tmp_path / "notes.html"
    notes.write_text("my notes")
    refused(cli("report", folder, "--out", notes), "exists", "--replace")
    refused(cli("report", folder, "--out", notes, "--replace"), "not a report of alliance-sim")
    refused(cli("report", folder, "--out", tmp_path / "notes.txt"), "ending in .html")
    (tmp_path / "dir.html").mkdir()
    refused(cli("report", folder, "--out", tmp_path / "dir.html", "--replace"), "is a folder")
    assert notes.read_text() == "my notes"
    page = tmp_path / "page.html"
    assert cli("report", folder, "--out", page).returncode == 0
    refused(cli("report", folder, "--out", page), "exists", "--replace")
    assert cli("report", folder, "--out", page, "--replace").returncode == 0


def test_export_never_replaces_a_users_file(made, tmp_path):
    pytest.importorskip("xlsxwriter")
    folder = copy(made, "run", tmp_path / "r")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    refused(cli("export", folder, "--format", "xlsx", "--out", notes), "ending in .xlsx")
    book = tmp_path / "book.xlsx"
    book.write_text("not a workbook")
    refused(cli("export", folder, "--format", "xlsx", "--out", book), "exists")
    refused(cli("export", folder, "--format", "xlsx", "--out", book, "--replace"), "not a workbook alliance-sim wrote")
    refused(cli("export", folder, "--format", "xlsx", "--out", tmp_path / "r2"), "ending in .xlsx")
    assert notes.read_text() == "my notes" and book.read_text() == "not a workbook"
    ours = tmp_path / "ours.xlsx"
    assert cli("export", folder, "--format", "xlsx", "--out", ours).returncode == 0
    assert cli("export", folder, "--format", "xlsx", "--out", ours, "--replace").returncode == 0


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_into_the_folder_it_reads_is_refused(made, tmp_path, fmt):
    folder = copy(made, "batch", tmp_path / "b")
    before = listing(folder)
    for out in (folder, folder / "outcomes.parquet"):
        refused(cli("export", folder, "--format", fmt, "--out", out, "--replace"), "which this command reads")
    assert listing(folder) == before
    assert cli("export", folder, "--format", fmt).returncode == 0  # the default: FOLDER/export
    refused(cli("export", folder, "--format", fmt), f"summary.{fmt} exists", "--replace")
    assert cli("export", folder, "--format", fmt, "--replace").returncode == 0


@pytest.mark.parametrize("command", ["run", "batch"])
def test_a_folder_that_appears_while_a_command_runs_is_kept(tmp_path, monkeypatch, command):
    """Someone (or something) makes the folder while the runs are computed: the final move refuses
    it, and their file is there afterwards; the batch keeps its finished work for --resume."""
    out = tmp_path / "x"
    real = results.write_manifest

    def meanwhile(folder, found):
        out.mkdir(exist_ok=True)
        (out / "notes.txt").write_text("data")
        real(folder, found)

    monkeypatch.setattr(f"sim.{'outputs.results' if command == 'run' else 'batch.store'}.write_manifest", meanwhile)
    args = ["run", BASELINE, *SMALL_RUN] if command == "run" else ["batch", SWEEP, *SMALL_BATCH]
    refused(cli(*args, "--out", out), str(out), "left as it is")
    assert listing(out) == ["notes.txt"] and (out / "notes.txt").read_text() == "data"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial") and p.name != ".x.partial"]
    if command == "batch":
        assert (tmp_path / ".x.partial" / "batch.json").is_file()  # the finished batch, for --resume
        (out / "notes.txt").unlink()
        out.rmdir()
        monkeypatch.undo()
        result = cli(*args, "--out", out, "--resume")
        assert result.returncode == 0, result.stderr
        assert load_results(out).manifest["runs"] == 2 * 121


@pytest.mark.parametrize("command", ["run", "batch"])
def test_a_file_added_to_a_folder_being_replaced_is_kept(made, tmp_path, monkeypatch, command):
    folder = copy(made, command, tmp_path / "x")
    real = results.write_manifest

    def meanwhile(where, found):
        (folder / "notes.txt").write_text("data")
        real(where, found)

    monkeypatch.setattr(f"sim.{'outputs.results' if command == 'run' else 'batch.store'}.write_manifest", meanwhile)
    args = ["run", BASELINE, *SMALL_RUN] if command == "run" else ["batch", SWEEP, *SMALL_BATCH]
    refused(cli(*args, "--out", folder, "--replace"), "notes.txt", "--replace keeps them")
    assert (folder / "notes.txt").read_text() == "data" and (folder / "manifest.json").is_file()
    assert not list(tmp_path.glob(".x.*.replaced"))


def test_replace_names_what_it_did_not_write_and_keeps_it(made, tmp_path):
    folder = copy(made, "run", tmp_path / "r")
    assert cli("report", folder).returncode == 0
    assert cli("export", folder).returncode == 0
    (folder / "notes.txt").write_text("mine")
    refused(cli("run", BASELINE, *SMALL_RUN, "--out", folder, "--replace"),
            "export/", "notes.txt", "report.html", "move them out")
    assert {"report.html", "export", "notes.txt"} <= set(os.listdir(folder))
    for name in ("report.html", "notes.txt"):
        (folder / name).unlink()
    shutil.rmtree(folder / "export")
    assert cli("run", BASELINE, *SMALL_RUN, "--out", folder, "--replace").returncode == 0


def test_replace_from_inside_the_folder_is_refused(made, tmp_path):
    folder = copy(made, "run", tmp_path / "r")
    before = listing(folder)
    (folder / "sub").mkdir()
    for cwd, out in ((folder, "."), (folder / "sub", "..")):
        refused(cli("run", BASELINE, *SMALL_RUN, "--out", out, "--replace", cwd=cwd), "current folder")
    assert set(before) <= set(listing(folder))


def test_run_and_batch_may_not_replace_what_they_read(made, tmp_path):
    folder = copy(made, "run", tmp_path / "r")
    refused(cli("run", folder / "scenario.yaml", *SMALL_RUN, "--out", folder, "--replace"), "which this command reads")
    batch = copy(made, "batch", tmp_path / "b")
    for path in (SWEEP, BASELINE):
        shutil.copy(path, batch)  # copies whose `posterior:` no longer resolves: the file's own values
    refused(cli("batch", batch / SWEEP.name, *SMALL_BATCH, "--file-values", "--out", batch, "--replace"),
            "which this command reads")
    posterior = SCENARIOS / "posteriors" / "history_2005_2024"
    refused(cli("run", BASELINE, *SMALL_RUN, "--posterior", posterior, "--out", posterior, "--replace"),
            "which this command reads")
    refused(cli("run", BASELINE, *SMALL_RUN, "--posterior", posterior, "--out", posterior / "inner"),
            "inside", "which this command reads")
    assert not (posterior / "inner").exists()
    assert load_results(folder).scenario.name == "baseline_2018" and (posterior / "posterior.parquet").is_file()


@pytest.mark.parametrize("command, args, written", [
    ("history", ["--runs", "2"], "points.parquet"),
    ("landscape", [str(BASELINE)], "landscape.png"),
    ("forecast", [str(SCENARIOS / "history_2005_2024.yaml")], "scores.parquet"),
    ("select", [str(SCENARIOS / "history_2005_2024.yaml")], "selection.csv"),
])
def test_commands_writing_into_a_folder_replace_their_files_only_when_asked(tmp_path, command, args, written):
    """A file of the name a command writes is refused before the work starts (a calibration can take
    an hour); a folder or link in its place is refused even with --replace."""
    out = tmp_path / "out"
    out.mkdir()
    (out / written).write_text("mine")
    started = time.perf_counter()
    refused(cli(command, *args, "--out", out), written, "exists", "--replace")
    refused(cli(command, *args, "--out", out, "--replace"), written, "did not write it")  # a user's, of that name
    assert time.perf_counter() - started < 60  # before the work, which takes minutes
    assert (out / written).read_text() == "mine"
    (out / written).unlink()
    (out / written).mkdir()
    refused(cli(command, *args, "--out", out, "--replace"), "is a folder")
    assert listing(out) == [written]


def test_export_and_plot_replace_only_the_files_they_wrote(made, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "runs.csv").write_text("my,precious,data\n")
    (out / "trajectories_Seoul.png").write_text("my drawing")
    refused(cli("export", made["run"], "--out", out, "--replace"), "runs.csv", "did not write it")
    refused(cli("plot", "trajectories", made["run"], "--out", out, "--replace"), "did not write it")
    assert (out / "runs.csv").read_text() == "my,precious,data\n"
    assert (out / "trajectories_Seoul.png").read_text() == "my drawing"
    (out / "runs.csv").unlink()
    (out / "trajectories_Seoul.png").unlink()
    for _ in range(2):  # the second time in place of the first's own files
        assert cli("export", made["run"], "--out", out, "--replace").returncode == 0
        assert cli("plot", "trajectories", made["run"], "--out", out, "--replace", "--quiet").returncode == 0


def test_history_does_not_write_its_series_over_the_data_it_reads(tmp_path):
    before = listing(ROOT / "data")
    refused(cli("history", "--runs", "2", "--out", tmp_path / "w", "--write-data", ROOT / "data"),
            "--write-data", "which this command reads")
    assert listing(ROOT / "data") == before and not (tmp_path / "w").exists()


def test_analyses_written_into_a_results_folder_replace_only_when_asked(made, tmp_path):
    """Checked before the analysis starts (here on a grid batch, which the analysis itself would refuse)."""
    folder = copy(made, "batch", tmp_path / "b")
    for command, written, figure in (("sensitivity", "sensitivity.parquet", "sensitivity.png"),
                                     ("discover", "discovery.json", "discovery.png")):
        (folder / written).write_text("mine")
        refused(cli(command, folder), written, "exists", "--replace")
        assert (folder / written).read_text() == "mine"
        (folder / written).unlink()
        (folder / written).mkdir()
        refused(cli(command, folder, "--replace"), written, "is a folder")
        (folder / written).rmdir()
        (folder / "plots").mkdir(exist_ok=True)
        (folder / "plots" / figure).write_text("mine")
        refused(cli(command, folder), figure, "exists")
        assert (folder / "plots" / figure).read_text() == "mine"


def test_a_decision_folders_report_takes_no_out(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "policies.parquet").write_bytes(b"")
    refused(cli("report", folder, "--out", tmp_path / "x.html"), "--out", "inside it")


# --- the final move, checked at its moment ---------------------------------------------------


def test_a_rename_refuses_a_name_that_exists(tmp_path):
    from sim.outputs.results import rename_new

    for kind in ("file", "folder"):
        source = tmp_path / f"new-{kind}"
        source.mkdir() if kind == "folder" else source.write_text("new")
        target = tmp_path / f"target-{kind}"
        target.mkdir()  # an empty folder: a plain rename of a folder would replace it
        with pytest.raises(FileExistsError):
            rename_new(source, target)
        assert source.exists() and target.is_dir()
        target.rmdir()
        rename_new(source, target)
        assert target.exists() and not source.exists()


def test_publish_replaces_only_what_its_check_accepts(tmp_path):
    from sim.outputs.results import Refused, publish

    partial, target = tmp_path / "partial", tmp_path / "target"
    partial.write_text("new")
    target.write_text("old")
    with pytest.raises(Refused, match="exists"):
        publish(partial, target, replace=False, own=results.tool_file)
    publish(partial, target, replace=True, own=results.tool_file)
    assert target.read_text() == "new" and not partial.exists()
    partial.write_text("newer")
    target.unlink()
    target.mkdir()
    (target / "keep").write_text("keep")
    with pytest.raises(Refused, match="is a folder"):
        publish(partial, target, replace=True, own=results.tool_file)
    assert (target / "keep").read_text() == "keep"
    assert not list(tmp_path.glob("*.replaced"))


def test_a_file_that_appears_where_files_go_is_named_and_kept(tmp_path):
    from sim.outputs.results import Refused, staged

    with pytest.raises(Refused, match="appeared as a file while the command ran"):
        with staged(tmp_path / "out") as partial:
            (partial / "runs.csv").write_text("new")
            (tmp_path / "out").write_text("mine")
    assert (tmp_path / "out").read_text() == "mine" and not list(tmp_path.glob(".*partial"))


def test_staged_files_replace_none_without_replace(tmp_path):
    """The rule `plot` and `compare` follow: figures into a folder, none replaced unless asked."""
    from sim.outputs.results import Refused, staged

    folder = tmp_path / "plots"
    folder.mkdir()
    (folder / "map.png").write_text("mine")
    with pytest.raises(Refused, match="map.png exists"):
        with staged(folder) as partial:
            (partial / "paths.png").write_text("new")
            (partial / "map.png").write_text("new")
    assert sorted(os.listdir(folder)) == ["map.png"] and (folder / "map.png").read_text() == "mine"
    with pytest.raises(Refused, match="did not write it"):  # a user's file of the same name, even with --replace
        with staged(folder, replace=True) as partial:
            (partial / "map.png").write_text("new")
    assert (folder / "map.png").read_text() == "mine"
    (folder / "map.png").unlink()
    for text in ("first", "second"):  # what the tool wrote, it replaces when asked
        with staged(folder, replace=True) as partial:
            (partial / "map.png").write_text(text)
    assert (folder / "map.png").read_text() == "second"
    (folder / "map.png").write_text("edited by hand")
    with pytest.raises(Refused, match="changed since"):
        with staged(folder, replace=True) as partial:
            (partial / "map.png").write_text("third")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


# --- 6. damaged results named on reading -----------------------------------------------------


def test_a_pipe_in_place_of_a_table_is_named_not_read(made, tmp_path):
    folder = copy(made, "batch", tmp_path / "b")
    (folder / "summary.parquet").unlink()
    os.mkfifo(folder / "summary.parquet")
    command = [sys.executable, "-m", "sim", "plot", str(folder), "--out", str(tmp_path / "p")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    refused(result, "summary.parquet", "not a regular file")


def test_a_batch_without_its_summary_is_named_damaged(made, tmp_path):
    folder = copy(made, "batch", tmp_path / "b")
    (folder / "summary.parquet").unlink()
    with pytest.raises(DamagedResults, match="summary.parquet is missing"):
        load_results(folder)
    refused(cli("plot", folder, "--out", tmp_path / "p"), "summary.parquet is missing")
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("recorded", [True, False])
def test_a_table_rewritten_with_other_rows_is_named(made, tmp_path, recorded):
    """The manifest records each table's rows; a folder written before it did is held to its runs."""
    folder = copy(made, "batch", tmp_path / "b")
    if not recorded:
        manifest = json.loads((folder / "manifest.json").read_text())
        del manifest["rows"], manifest["files"]
        (folder / "manifest.json").write_text(json.dumps(manifest))
        assert load_results(folder).manifest["runs"] == 242
    runs = pd.read_parquet(folder / "runs.parquet")
    runs.head(10).to_parquet(folder / "runs.parquet", index=False)
    with pytest.raises(DamagedResults, match="runs.parquet holds 10 rows where manifest.json records 242"):
        load_results(folder)
    refused(cli("export", folder, "--out", tmp_path / "e"), "runs.parquet holds 10 rows")


def test_the_manifest_records_files_and_rows(made):
    for kind in ("run", "batch"):
        manifest = json.loads((made[kind] / "manifest.json").read_text())
        assert sorted(manifest["files"]) == sorted(os.listdir(made[kind]))
        res = load_results(made[kind])
        for name, rows in manifest["rows"].items():
            assert res.table(name).count() == rows


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "the disk is full"), (errno.EDQUOT, "quota"),
                                         (errno.EFBIG, "largest size")])
def test_a_write_without_room_says_so_from_the_query_engine(made, tmp_path, monkeypatch, code, words):
    import duckdb

    def failing():
        raise duckdb.IOException(f'Could not write file "x.csv": {os.strerror(code)}')

    monkeypatch.setattr("sim.outputs.export.connect", failing)
    result = cli("export", made["run"], "--out", tmp_path / "e")
    refused(result, words, "nothing half-written")
    assert "damaged" not in result.stderr and not (tmp_path / "e").exists()


def test_a_workbook_without_room_says_so(made, tmp_path, monkeypatch):
    pytest.importorskip("xlsxwriter")
    from xlsxwriter.exceptions import FileCreateError
    from xlsxwriter.workbook import Workbook

    def full(book):  # as the library reports a full disk: its own error around the system's
        raise FileCreateError(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))

    monkeypatch.setattr(Workbook, "_store_workbook", full)
    refused(cli("export", made["run"], "--format", "xlsx", "--out", tmp_path / "x.xlsx"), "the disk is full")
    assert not (tmp_path / "x.xlsx").exists() and not list(tmp_path.glob(".*partial"))


def test_a_file_past_ulimit_f_says_so(tmp_path):
    import resource

    limit = 200_000  # bytes: the run's trajectories are larger
    command = [sys.executable, "-m", "sim", "run", str(BASELINE), "--replicates", "50", "--out", str(tmp_path / "r")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=ROOT,
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    refused(result, "largest size", "ulimit -f")
    assert not (tmp_path / "r").exists() and not list(tmp_path.glob(".*partial"))


# --- 7. names counted in bytes ---------------------------------------------------------------


def named(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(BASELINE.read_text().replace("name: baseline_2018", f"name: {json.dumps(name, ensure_ascii=not name.isprintable())}"),
                    encoding="utf-8")
    return path


def test_a_long_plain_name_runs_to_its_default_folder(tmp_path):
    path = named(tmp_path, "n" * 90)
    result = cli("run", path, *SMALL_RUN, "--file-values", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).name.startswith("n" * 90 + "-")


@pytest.mark.parametrize("name, words", [("😀" * 70, ["280", "bytes"]), ("n" * 101, ["101", "bytes"]),
                                         ("evil\u202egnp.exe", ["bidirectional"]),
                                         ("a\u2066b", ["bidirectional"]), ("a\x85b", ["control characters"])])
def test_names_are_counted_in_bytes_and_bidi_controls_refused(tmp_path, name, words):
    path = named(tmp_path, name)
    for command in ("validate", "run", "batch"):
        refused(cli(command, path, cwd=tmp_path), str(path), "name:", *words)
    assert sorted(os.listdir(tmp_path)) == ["s.yaml"]


def test_an_out_name_too_long_for_the_tools_suffixes_is_refused(tmp_path):
    out = tmp_path / ("o" * 230)
    refused(cli("run", BASELINE, *SMALL_RUN, "--out", out), "--out", "230 bytes", "at most 215")
    refused(cli("export", BASELINE.parent / "x", "--out", out), "--out", "230 bytes")


# --- 8. no tracebacks ------------------------------------------------------------------------


def scenario_text(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, words", [
    ("? [1, 2]\n: 3\nname: x\n", ["s.yaml:1:", "a list or a mapping"]),
    ("name: x\nsteps: " + "9" * 5000 + "\n", ["s.yaml:2:", "5,000 digits"]),
    ('base: "a\\0b"\nname: x\n', ["s.yaml:1: base:", "NUL"]),
    ('base: baseline.yaml\nposterior: "a\\0b"\n', ["s.yaml:2: posterior:", "NUL"]),
    ('base: baseline.yaml\ncalibration: {data: "a\\0b"}\n', ["s.yaml:2: calibration.data:", "NUL"]),
    ("name: x\nstart: 2020-13-45\n", ["s.yaml:", "cannot be read", "month"]),
    (f"base: {'b' * 300}.yaml\nname: x\n", ["bbbb.yaml", "cannot be read", "too long"]),
])
def test_a_malformed_scenario_gets_a_message(tmp_path, text, words):
    shutil.copy(BASELINE, tmp_path / "baseline.yaml")
    path = scenario_text(tmp_path, text)
    for command in ("validate", "run"):
        result = cli(command, path, cwd=tmp_path)
        refused(result, *words)
        assert len(result.stderr) < 1000


@pytest.mark.parametrize("value, words", [
    ("x=[unclosed", ["not valid YAML"]),
    ("steps=" + "9" * 5000, ["5,000 digits", "characters)"]),
    ("x=[&a [1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], [*b,*b,*b,*b,*b,*b,*b,*b,*b]]", ["alias"]),
    ("x={? [1, 2]: 3}", ["a list or a mapping"]),
])
def test_a_malformed_set_option_gets_a_message(tmp_path, value, words):
    result = cli("run", BASELINE, "--set", value, "--out", tmp_path / "r")
    refused(result, "--set", *words)
    assert len(result.stderr) < 500  # the value is named, not repeated


@pytest.mark.parametrize("args, words", [
    (["history", "--runs", "-2"], ["--runs -2", "1 or more"]),
    (["history", "--runs", "0"], ["--runs 0", "1 or more"]),
    (["batch", str(SWEEP), "--workers", "-1"], ["--workers -1"]),
    (["forecast", str(SCENARIOS / "history_2005_2024.yaml"), "--runs", "0"], ["--runs 0"]),
    (["app", "--port", "99999", "--no-open"], ["--port 99999", "0 to 65535"]),
    (["app", "--port", "-1", "--no-open"], ["--port -1"]),
    (["app", "--host", "no such host!!", "--port", "0", "--no-open"], ["--host 'no such host!!'", "no such address"]),
    (["app", "--host", "203.0.113.5", "--port", "0", "--no-open"], ["--host '203.0.113.5'", "cannot listen there"]),
])
def test_options_out_of_range_get_a_message(tmp_path, args, words):
    refused(cli(*args, "--out", tmp_path / "o") if args[0] != "app" else cli(*args), *words)


def test_register_scores_only_an_issued_forecast(made):
    refused(cli("register", "score", made["run"]), "not an issued forecast", "ensemble.parquet")


@pytest.mark.parametrize("damage", ["missing", "corrupt", "a list"])
def test_a_staging_folder_without_a_readable_batch_json_says_how_to_go_on(tmp_path, damage):
    out = tmp_path / "b"
    staging = tmp_path / ".b.partial"
    staging.mkdir()
    if damage == "corrupt":
        (staging / "batch.json").write_text("{not json")
    elif damage == "a list":
        (staging / "batch.json").write_text("[1, 2]")
    refused(cli("batch", SWEEP, *SMALL_BATCH, "--out", out, "--resume"), "batch.json", "--replace starts it over")
    result = cli("batch", SWEEP, *SMALL_BATCH, "--out", out, "--replace")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("kind", ["a file", "a link", "a user's folder"])
def test_replace_clears_only_a_staging_folder_a_batch_made(tmp_path, kind):
    staging, kept = tmp_path / ".b.partial", tmp_path / "kept"
    kept.mkdir()
    if kind == "a file":
        staging.write_text("precious")
    elif kind == "a link":
        staging.symlink_to(kept)
    else:
        staging.mkdir()
        (staging / "thesis.tex").write_text("precious")
    refused(cli("batch", SWEEP, *SMALL_BATCH, "--out", tmp_path / "b", "--replace"), str(staging), "left as it is")
    assert os.path.lexists(staging) and not (tmp_path / "b").exists()
    assert kind != "a user's folder" or (staging / "thesis.tex").read_text() == "precious"


class Killer:
    """A job whose worker dies as it unpickles it, as one killed by SIGKILL or the kernel does."""

    def __reduce__(self):
        return os._exit, (9,)


def test_a_worker_killed_outright_is_reported_with_how_to_resume(tmp_path):
    from sim.batch.local import WorkerLost, run_local
    from sim.batch.progress import Progress

    with pytest.raises(WorkerLost, match="ended abruptly"):
        run_local(Killer(), tmp_path, [(0, range(1)), (1, range(1, 2))], 2, Progress(2, quiet=True))


def test_a_killed_worker_ends_the_batch_with_exit_2_and_resume(tmp_path, monkeypatch):
    from sim.batch.local import WorkerLost

    def lost(*args, **kwargs):
        raise WorkerLost("a worker process ended abruptly (killed by a signal, or by the system when memory ran out)")

    monkeypatch.setattr("sim.batch.run.run_local", lost)
    result = cli("batch", SWEEP, *SMALL_BATCH[:-2], "--workers", "2", "--out", tmp_path / "b")
    refused(result, "ended abruptly", "--resume")
    monkeypatch.undo()
    resumed = cli("batch", SWEEP, *SMALL_BATCH[:-2], "--workers", "2", "--out", tmp_path / "b", "--resume")
    assert resumed.returncode == 0, resumed.stderr


# --- 9. SIGTERM as Ctrl-C ----------------------------------------------------------------------


def terminated(target: str, args: list, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `alliance-sim ARGS` in a process of its own, SIGTERM arriving (as from `kill`) while
    `target` (module.function) runs."""
    module, name = target.rsplit(".", 1)
    code = (f"import importlib, os, signal, sys, time\n"
            f"module = importlib.import_module({module!r})\n"
            f"real = getattr(module, {name!r})\n"
            "def signalled(*args, **kwargs):\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "    time.sleep(2)  # the handler runs before this ends\n"
            "    return real(*args, **kwargs)\n"
            f"setattr(module, {name!r}, signalled)\n"
            "from sim.cli import main\n"
            f"sys.exit(main({[str(a) for a in args]!r}))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.mark.parametrize("command, target", [
    ("run", "sim.outputs.results.write_manifest"),
    ("export", "sim.outputs.export.connect"),
    ("batch", "sim.batch.local.write_chunk"),
])
def test_sigterm_stops_a_command_as_ctrl_c_does(made, tmp_path, command, target):
    folder = copy(made, "run", tmp_path / "r")
    args = {"run": ["run", BASELINE, *SMALL_RUN, "--out", tmp_path / "out"],
            "export": ["export", folder, "--out", tmp_path / "out"],
            "batch": ["batch", SWEEP, *SMALL_BATCH, "--out", tmp_path / "out"]}[command]
    result = terminated(target, args)
    assert result.returncode == 143, result.stderr
    assert "terminated" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    left = [p.name for p in tmp_path.rglob(".*") if p.name.endswith(".partial")]
    assert left == ([".out.partial"] if command == "batch" else []), left


def test_a_command_that_handles_its_own_interruption_exits_143_on_sigterm():
    """`calibrate` and `decide` catch Ctrl-C themselves, say what is kept and return 130: on SIGTERM, 143."""
    code = ("import os, signal, sys, time\n"
            "import sim.cli.validate\n"
            "def own(args):\n"
            "    try:\n"
            "        os.kill(os.getpid(), signal.SIGTERM)\n"
            "        time.sleep(5)\n"
            "    except KeyboardInterrupt:\n"
            "        print('interrupted; the finished generations are kept', file=sys.stderr)\n"
            "        return 130\n"
            "sim.cli.validate.main = own\n"
            "from sim.cli import main\n"
            f"sys.exit(main(['validate', {str(BASELINE)!r}]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 143, result.stderr
    assert "interrupted; the finished generations are kept" in result.stderr


def test_the_sigterm_handler_ends_with_the_command(made):
    assert cli("validate", BASELINE).returncode == 0
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


@pytest.mark.slow  # a Dask cluster started and stopped: about 15 s; CI runs it
def test_a_terminated_dask_batch_leaves_no_scratch_space(tmp_path):
    pytest.importorskip("distributed")
    scratch = tmp_path / "tmp"  # the system's temporary folder, as the command sees it
    scratch.mkdir()
    command = [sys.executable, "-m", "sim", "batch", str(SWEEP), "--set", "sweep.replicates=20", "--set",
               "sweep.chunk=100", "--executor", "dask", "--workers", "2", "--out", str(tmp_path / "b")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "TMPDIR": str(scratch)})
    while "Dask:" not in (line := proc.stderr.readline()):
        assert line or proc.poll() is None, "the batch ended before its cluster started"
    time.sleep(2)
    assert list(scratch.rglob("worker-*")), "the workers' scratch space is not where the test looks"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert list(scratch.iterdir()) == []


def test_temporary_names_left_by_a_killed_command_are_swept_on_the_next(made, tmp_path):
    import fcntl

    old = time.time() - 3600
    stale = [tmp_path / ".out.as-abcdefgh.partial", tmp_path / ".out.as-ijklmnop.partial"]
    stale[0].mkdir()
    (stale[0] / "outcomes.csv").write_text("half")
    stale[1].write_text("half")
    held = tmp_path / ".out.as-qrstuvwx.partial"  # a live command's
    held.mkdir()
    users = [tmp_path / ".out.partial", tmp_path / ".out.notes", tmp_path / ".outx.as-abcdefgh.partial",
             tmp_path / ".out.mybackup.partial"]  # a user's look-alike of the tool's names
    for path in users:
        path.mkdir()
    for path in (*stale, held, *users):
        os.utime(path, (old, old))
    handle = os.open(held, os.O_RDONLY)
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        assert cli("export", made["run"], "--out", tmp_path / "out").returncode == 0
        assert held.exists() and all(path.exists() for path in users)
        assert not any(path.exists() for path in stale)
    finally:
        os.close(handle)


def test_a_stale_owner_with_a_reused_pid_does_not_block_resume(tmp_path):
    """The owner's PID names a live process now (this one), started at another time: not the batch."""
    from sim.batch.store import started_at

    out = tmp_path / "b"
    assert cli("batch", SWEEP, *SMALL_BATCH, "--out", out).returncode == 0
    shutil.rmtree(out)
    staging = tmp_path / ".b.partial"
    staging.mkdir()
    (staging / "owner.json").write_text(json.dumps({"pid": os.getpid(), "host": os.uname().nodename,
                                                    "started": "long ago", "start": started_at(os.getpid()) - 1}))
    result = cli("batch", SWEEP, *SMALL_BATCH, "--out", out, "--replace")
    assert result.returncode == 0, result.stderr
    staging.mkdir()
    (staging / "owner.json").write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": "now", "start": 5}))
    refused(cli("batch", SWEEP, *SMALL_BATCH, "--out", out, "--replace"),
            "process 1 on elsewhere", f"remove {staging / 'owner.json'}")


# --- 11. sharing and leaks -----------------------------------------------------------------------


def test_what_the_tool_writes_is_as_readable_as_the_umask_allows(made, tmp_path):
    pytest.importorskip("xlsxwriter")
    before = os.umask(0o022)
    try:
        assert cli("run", BASELINE, *SMALL_RUN, "--out", tmp_path / "r").returncode == 0
        assert cli("report", tmp_path / "r").returncode == 0
        assert cli("export", tmp_path / "r", "--format", "xlsx").returncode == 0
        assert cli("export", tmp_path / "r").returncode == 0
    finally:
        os.umask(before)
    for path in [tmp_path / "r", *(tmp_path / "r").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


def test_an_error_does_not_print_the_file_it_read(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("root:$6$hashhashhash:19000:0:99999:7:::\nalice:$6$otherhash:19000:0:99999:7:::\n")
    path = scenario_text(tmp_path, f"base: {secret}\nname: x\n")
    result = cli("validate", path)
    refused(result, str(secret), "not a scenario file")
    assert "hash" not in result.stderr and "alice" not in result.stderr


def test_a_results_handle_of_a_replaced_folder_does_not_mix_tables(made, tmp_path):
    folder = copy(made, "run", tmp_path / "r")
    res = load_results(folder)
    assert cli("run", BASELINE, "--replicates", "5", "--steps", "4", "--out", folder, "--replace").returncode == 0
    with pytest.raises(DamagedResults, match="replaced since it was opened"):
        res.outcomes
    with pytest.raises(DamagedResults, match="replaced since it was opened"):
        res.table("runs")
    assert len(load_results(folder).runs) == 5
