"""The tutorial (docs/tutorial.py, a Jupytext script) runs as a notebook, every cell without error, and as a
script; the `notebook` extra installs what it says to."""

import os
import re
from pathlib import Path

import jupytext
import nbclient

from conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.py"


def test_the_tutorial_is_stored_without_outputs():
    text = TUTORIAL.read_text()
    assert text.startswith("# ---\n# jupyter:") and "format_name: percent" in text
    notebook = jupytext.read(TUTORIAL)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and not any(cell.get("outputs") for cell in code)


def test_the_tutorial_runs_as_a_notebook(tmp_path, monkeypatch):
    # a working folder outside the repository: the notebook finds the shipped scenarios there
    # (as it finds them from docs/ when opened in Jupyter) and writes only under the temporary folder
    work = tmp_path / "work"
    work.mkdir()
    (work / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = jupytext.read(TUTORIAL)
    # kernel python3: ipykernel in this interpreter's environment; a cell that fails raises CellExecutionError
    nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}}).execute()

    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    text = "".join(out.get("text", "") for out in outputs)
    assert f"results go to {tmp_path}" in text
    assert "baseline_2018 from 2018Q3 for 88 quarters" in text
    assert "baseline: partnership in" in text and "autonomous: partnership in" in text
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) >= 4  # the trajectories, the stance bands, the map and the comparison
    [out] = tmp_path.glob("alliance-sim-tutorial-*")  # everything it wrote is in its temporary folder
    assert sorted(p.name for p in out.iterdir()) == ["autonomous", "baseline", "compare", "sweep"]
    assert [p.name for p in work.iterdir()] == ["scenarios"]


def test_the_tutorial_runs_as_a_script(tmp_path):
    import subprocess
    import sys

    work = tmp_path / "work"
    work.mkdir()
    (work / "scenarios").symlink_to(ROOT / "scenarios")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"} | {"TMPDIR": str(tmp_path)}
    result = subprocess.run([sys.executable, str(TUTORIAL)], cwd=work, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "baseline: partnership in" in result.stdout and "autonomous: partnership in" in result.stdout
    [out] = tmp_path.glob("alliance-sim-tutorial-*")
    named = [line.split("figure: ", 1)[1] for line in result.stdout.splitlines() if line.startswith("figure: ")]
    assert len(named) == 4 and all(Path(path).is_file() and Path(path).is_relative_to(out) for path in named)


def test_the_notebook_extra_holds_what_the_tutorial_says_to_install():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {"jupyterlab", "jupytext", "ipykernel"} <= {re.split(r"[<>=\[]", d)[0] for d in extras["notebook"]}
    assert 'pip install -e ".[notebook]"' in TUTORIAL.read_text()
