"""The README: its two commands (what CI runs, and the main job on a clean clone), its Python
snippet, and its links, which must lead somewhere on the forge."""

import re
import subprocess

import pytest

from conftest import ROOT, SCENARIOS, cli, shown


def readme_block(marker: str, language: str) -> str:
    """The fenced block that follows `<!-- marker -->` in the README."""
    text = (ROOT / "README.md").read_text()
    return re.search(rf"<!-- {marker} -->\s*```{language}\n(.*?)```", text, re.S).group(1)


def readme_commands() -> list[str]:
    """The commands of the README's quick-start block, in order."""
    block = readme_block("quickstart", "sh")
    return [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]


def test_ci_runs_exactly_the_readme_test_command():
    demo, test = readme_commands()
    assert demo == "make demo" and test == "make test"
    script = (ROOT / ".ci" / "run").read_text()
    assert [line for line in script.splitlines() if line.startswith("exec")] == [f"exec {test}"]


@pytest.mark.slow
def test_readme_main_command_on_a_clean_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    demo = readme_commands()[0]
    result = subprocess.run(demo.split(), cwd=clone, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = clone / "results" / "baseline_2018"
    assert {"manifest.json", "trajectories.parquet", "outcomes.parquet"} <= {p.name for p in out.iterdir()}
    assert [name.rsplit(".", 1)[-1] for name in shown(out / "plots")] == ["png", "png"]  # the ledger hidden
    for name in ("headline_2018", "headline_2025"):
        sweep = clone / "results" / name
        assert {"manifest.json", "summary.parquet", "outcomes.parquet", "thresholds.csv", "reachable.parquet"} <= {
            p.name for p in sweep.iterdir()}
        assert {"map.png", "paths.png", "reach.png"} <= {p.name for p in (sweep / "plots").iterdir()}
    assert "partnership reached in" in result.stderr and "highest at" in result.stderr


def test_setup_finds_the_newest_python_312_or_newer_or_says_there_is_none(tmp_path):
    import shutil
    import sys

    old = shutil.which("python3.11") or "/usr/bin/python3.11"
    (tmp_path / "python3").symlink_to(old)  # an old interpreter only
    none = subprocess.run(["/bin/sh", str(ROOT / "scripts" / "find-python")], env={"PATH": str(tmp_path)},
                          capture_output=True, text=True)
    assert none.returncode == 1 and "needs Python 3.12 or newer" in none.stderr and none.stdout == ""
    (tmp_path / "python3.13").symlink_to(sys.executable)  # the test's own, 3.12 or newer
    found = subprocess.run(["/bin/sh", str(ROOT / "scripts" / "find-python")], env={"PATH": str(tmp_path)},
                           capture_output=True, text=True)
    assert found.returncode == 0 and found.stdout.strip() == str(tmp_path / "python3.13")


def test_readme_links_and_figures_exist_in_the_repository():
    text = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+://", t)]
    assert "docs/figures/headline_2018.png" in local and "docs/getting-started.md" in local
    assert [t for t in local if not (ROOT / t).exists()] == []
    assert len(text.splitlines()) <= 150  # a landing page: the manual is under docs/


def test_readme_python_snippet_runs(tmp_path, monkeypatch):
    """The snippet as printed, from a folder holding the scenarios and a (small) headline batch."""
    (tmp_path / "scenarios").symlink_to(SCENARIOS)
    batch = cli("batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--set", "sweep.replicates=1",
                "--out", tmp_path / "results" / "headline_2018", "--quiet")
    assert batch.returncode == 0, batch.stderr
    snippet = readme_block("python", "python")
    lines = snippet.strip().splitlines()
    *body, last = lines
    namespace = {}
    monkeypatch.chdir(tmp_path)
    exec("\n".join(body), namespace)
    runs = eval(last.split("  #")[0], namespace)
    assert len(runs) == 121 and {"run_id", "partnership", "actors.Seoul.autonomy"} <= set(runs.columns)
    assert namespace["model"].partnership in (True, False) and not namespace["model"].running
