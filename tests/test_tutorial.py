"""The tutorial (docs/tutorial.py, a Jupytext script) runs as a notebook, every cell without error."""

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
