# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tutorial: from a scenario to a comparison
#
# This notebook walks through one question from end to end: *what if Seoul were more
# autonomous from Washington?* It loads a shipped scenario, runs it as it is and with Seoul's
# autonomy raised, draws the trajectories, runs a small batch over sanctions and autonomy,
# asks the results a few questions, and compares the two runs. It takes well under a minute.
#
# It is stored as a script (`docs/tutorial.py`, Jupytext's percent format), and runs three ways:
#
# - as a script: `python docs/tutorial.py` (every step runs; it names the files of the figures
#   a notebook would show);
# - as a notebook in JupyterLab: `pip install -e ".[notebook]"` (JupyterLab and Jupytext), then
#   `jupyter lab`, and in its file browser right-click `docs/tutorial.py`, Open With → Notebook;
#   or `jupytext --to notebook docs/tutorial.py` makes `docs/tutorial.ipynb`, which any Jupyter opens;
# - cell by cell, in an editor that knows `# %%` cells.
#
# Everything it writes goes into a temporary folder.

# %%
import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Image, display

import sim
from sim.cli import main

# The shipped scenarios are under scenarios/ at the repository's root: work from there
for folder in [Path.cwd(), *Path.cwd().parents]:
    if (folder / "scenarios" / "baseline_2018.yaml").is_file():
        os.chdir(folder)
        break
OUT = Path(tempfile.mkdtemp(prefix="alliance-sim-tutorial-"))
print("results go to", OUT)
NOTEBOOK = "ipykernel" in sys.modules


def show(figure, width=700):
    """A figure shown in a notebook; run as a script, the file that holds it named."""
    if not isinstance(figure, Path):  # drawn here: written to a file when there is no notebook to show it in
        if NOTEBOOK:
            return plt.show()
        figure.savefig(OUT / "stances.png")
        figure = OUT / "stances.png"
    if NOTEBOOK:
        display(Image(filename=figure, width=width))
    else:
        print("figure:", figure)


# %% [markdown]
# ## 1. Load a scenario
#
# A scenario is a YAML file: the actors, their stances toward each other in 2018, the
# conditions (US sanctions on Russia, each client's autonomy from its patron) and the
# partnership under study. `sim.load_scenario` reads and checks it; a mistake in the file
# raises `sim.ScenarioError`, naming the line and the field.

# %%
scenario = sim.load_scenario("scenarios/baseline_2018.yaml")
print(scenario.name, "from", scenario.start, "for", scenario.steps, "quarters")
print("sanctions:", scenario.parameters.sanctions)
for name, actor in scenario.actors.items():
    print(f"  {name:<10} power {actor.power:.3f}, autonomy {actor.autonomy}, patron {actor.patron}")
print("partnership:", scenario.partnership)

# %% [markdown]
# Stances run from −1 (hostile) to 1 (aligned). Seoul's autonomy of 0.35 means it mostly
# follows Washington's lead. The partnership counts when both stances of the pair reach 0.6
# and their economic cooperation 0.4, held for four quarters.
#
# The scenario starts *at rest*: its enduring interests are those at which the 2018 picture
# does not move under the 2018 conditions. A change of condition (`--set` on the command
# line, a keyword of the model, a sweep's factor) is a departure from that rest state: the
# world of 2018, then a different Seoul.

# %% [markdown]
# ## 2. One run with the Mesa model
#
# `sim.AllianceModel` is the scenario as a Mesa model: each state is an agent, one step is a
# quarter. Keywords change conditions: `autonomy` is Seoul's (the focal actor's), `rng` the
# run's seed.

# %%
model = sim.AllianceModel(scenario, autonomy=0.8, rng=1)
while model.running:
    model.step()
stances = model.datacollector.get_model_vars_dataframe()
columns = ["date", "Seoul->Moscow", "Moscow->Seoul", "Seoul->Washington", "cooperation"]
stances[columns].iloc[::20]  # every fifth year

# %% [markdown]
# One run is one possible history: each quarter adds a little seeded noise. To say how
# likely an outcome is, run many.

# %% [markdown]
# ## 3. Many runs from the command line
#
# `alliance-sim run` runs a scenario's seeded replicates and writes a results folder. Here it
# is called from Python through `sim.cli.main`, which takes the same words as the shell;
# it returns 0 on success. In a shell the first call reads:
#
# ```sh
# alliance-sim run scenarios/baseline_2018.yaml --replicates 20 --out OUT/baseline --quiet
# ```

# %%
baseline, autonomous = OUT / "baseline", OUT / "autonomous"
assert main(["run", "scenarios/baseline_2018.yaml", "--replicates", "20",
             "--out", str(baseline), "--quiet"]) == 0
assert main(["run", "scenarios/baseline_2018.yaml", "--set", "actors.Seoul.autonomy=0.8",
             "--replicates", "20", "--out", str(autonomous), "--quiet"]) == 0

# %% [markdown]
# Each folder holds the scenario as run (`scenario.yaml`), a manifest (versions, every run's
# seed) and tidy Parquet tables: `runs`, `trajectories` (every stance of every run each
# quarter) and `outcomes` (whether and when each pair reached partnership).

# %% [markdown]
# ## 4. Draw the trajectories
#
# `alliance-sim plot` draws the focal actor's stances (median and 10–90% band over the runs)
# and the network of stances at the last quarter, under the folder's `plots/`.

# %%
assert main(["plot", str(autonomous)]) == 0
show(autonomous / "plots" / "trajectories_Seoul.png")

# %% [markdown]
# The tables are yours to draw as well. `sim.load_results` opens a folder; `table(name)`
# asks a table a question without reading it whole. Here: the 10th, 50th and 90th
# percentile of Seoul's stance toward Moscow each quarter, in both runs.

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
for folder, label in [(baseline, "as in 2018"), (autonomous, "Seoul's autonomy 0.8")]:
    res = sim.load_results(folder)
    band = res.table("trajectories").where(pair="Seoul->Moscow").quantiles("alignment", by="step")
    ax.fill_between(band["step"], band["0.1"], band["0.9"], alpha=0.25)
    ax.plot(band["step"], band["0.5"], label=label)
ax.axhline(0.6, color="grey", linestyle=":", label="partnership threshold")
ax.set(xlabel="quarters from 2018Q3", ylabel="Seoul → Moscow stance", ylim=(-0.2, 1))
ax.legend(loc="lower right")
show(fig)

# %% [markdown]
# ## 5. Ask the results
#
# `focal_outcomes()` is one row per run for the partnership pair: whether it was reached,
# and when first. `to_pandas()` reads the answer into a frame.

# %%
for folder in (baseline, autonomous):
    res = sim.load_results(folder)
    outcomes = res.focal_outcomes().to_pandas()
    share = outcomes["partnership"].mean()
    print(f"{folder.name}: partnership in {share:.0%} of {len(outcomes)} runs")
res.table("outcomes").where(pair="Seoul-Moscow").group("first_date", runs="count(*)")

# %% [markdown]
# As in 2018, no run reaches the partnership by 2040; with Seoul at 0.8 nearly every run
# does, most of them in the mid-2020s (the table counts the runs by their first quarter of
# partnership). These runs use the scenario file's hand-set values of the
# model's parameters. Calibrated on 2005–2018 data, the model is far more reserved: with
# `--posterior scenarios/posteriors/history_2005_2024` each run draws its parameters from
# the calibration, and the partnership becomes rare at any autonomy (the headline maps,
# and [the evidence](calibration.md)).

# %% [markdown]
# ## 6. A small batch: sanctions × autonomy
#
# A scenario with a `sweep:` section describes a design. The shipped
# `sanctions_autonomy_sweep.yaml` is an 11 × 11 grid of sanctions and Seoul's autonomy;
# `--set sweep.replicates=2` keeps two runs a point (242 runs), enough to see the shape in
# a few seconds. `make demo` runs it with 50.

# %%
# One worker: on 242 runs a pool of processes costs more than it saves. (A script of your own that
# runs batches on several workers puts its code under `if __name__ == "__main__":`, as Python's
# multiprocessing asks: each worker process reads the script that started it.)
sweep = OUT / "sweep"
assert main(["batch", "scenarios/sanctions_autonomy_sweep.yaml", "--set", "sweep.replicates=2",
             "--workers", "1", "--out", str(sweep), "--quiet"]) == 0
assert main(["plot", "map", str(sweep)]) == 0
show(sweep / "plots" / "map.png")

# %% [markdown]
# A batch folder adds `design` (one row per point) and `summary`: per point, the share of
# runs that reached the partnership, with its 95% interval. Here the shares as a table,
# Seoul's autonomy down, sanctions across (with two runs a point, each share is 0, 0.5 or 1).

# %%
res = sim.load_results(sweep)
res.summary.pivot(index="actors.Seoul.autonomy", columns="parameters.sanctions",
                  values="partnership_share")

# %% [markdown]
# A question across runs: the partnership share by Seoul's autonomy, over every level of
# sanctions. The outcomes are joined to each run's factor values (`runs`) and aggregated by
# the query engine, which reads only the columns it needs: the same call works on a batch
# of a million runs.

# %%
by_autonomy = (res.focal_outcomes().select("run_id", "partnership")
               .join(res.table("runs"))
               .group("actors.Seoul.autonomy", share="avg(partnership::DOUBLE)", runs="count(*)"))
by_autonomy

# %% [markdown]
# ## 7. Compare
#
# `alliance-sim compare` sets folders side by side: the partnership share with its interval,
# the median first quarter and the median final stances of each, with the difference to the
# first folder; and a figure of the focal actor's stances, overlaid.

# %%
assert main(["compare", str(baseline), str(autonomous),
             "--label", "as in 2018", "--label", "Seoul at 0.8", "--out", str(OUT / "compare")]) == 0
show(OUT / "compare" / "compare.png")

# %% [markdown]
# ## Where next
#
# - [Scenarios](guide/scenarios.md): the YAML format, editor completion, every field.
# - [Batches](guide/batches.md): designs, resuming, Dask, sensitivity and discovery.
# - [Results and queries](guide/results.md): the tables and the query API in full.
# - [History and calibration](guide/history-calibration.md): the model held to the data.
#
# The folder `OUT` is left in place for you to look at; remove it when done.
