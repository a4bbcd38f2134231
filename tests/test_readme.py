"""The README's two commands: what CI runs, and the main job on a clean clone."""

import re
import subprocess

import pytest

from conftest import ROOT


def readme_commands() -> list[str]:
    """The commands of the README's quick-start block, in order."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- quickstart -->\s*```sh\n(.*?)```", text, re.S).group(1)
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
    assert sorted(p.suffix for p in (out / "plots").iterdir()) == [".png", ".png"]
    sweep = clone / "results" / "sanctions_autonomy_sweep"
    assert {"manifest.json", "summary.parquet", "outcomes.parquet"} <= {p.name for p in sweep.iterdir()}
    assert {"map.png", "paths.png"} <= {p.name for p in (sweep / "plots").iterdir()}
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
