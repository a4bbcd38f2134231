"""Benchmark: analysing big results folders, time and peak memory per command, and how both
grow from 100,000 to 1,000,000 runs.

Writes (once, reused on later calls) two grid batches of the 2018 baseline, 20 x 20 points of
sanctions and Seoul's autonomy, 88 quarters, default recording: 250 and 2,500 replicates a
point; and a Sobol design of about 1,000,000 runs for `sensitivity`. Then runs each command
as a user types it, in a new process, and reads that process's peak resident memory from the
operating system: load_results (open and read the map's summary), plot, report, discover,
sensitivity, export. Each command runs once by default (they take up to a minute on the big
folder); --repeat N quotes medians.

Then the query engines, side by side on the big folder: DuckDB (the one the project uses)
and pyarrow datasets, on the three reads that analysis needs: one design point's
trajectories, per-quarter quantiles of one stance over all runs, the focal outcomes joined
to the design's factor values.

    python bench/results_scale.py [--root FOLDER] [--repeat 1] [--small 250] [--big 2500]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "baseline_2018.yaml"
FACTORS = "parameters.sanctions: {range: [0, 1], points: 20}, actors.Seoul.autonomy: {range: [0, 1], points: 20}"
SOBOL = "parameters.sanctions: {range: [0, 1]}, actors.Seoul.autonomy: {range: [0, 1]}"
LIMIT_MB, LIMIT_S = 1536, 60

COMMANDS = {
    "load_results": ["-c", "import sim, sys; r = sim.load_results(sys.argv[1]); print(len(r.summary))"],
    "plot": ["-m", "sim", "plot"],
    "report": ["-m", "sim", "report"],
    "discover": ["-m", "sim", "discover"],
    "sensitivity": ["-m", "sim", "sensitivity"],
    "export": ["-m", "sim", "export"],
}

ENGINE_QUERIES = {
    "one design point": {
        "duckdb": "t = Table.of(F, 'trajectories').where(point=17).to_pandas()",
        "pyarrow": "t = ds.dataset(f'{F}/trajectories.parquet').to_table(filter=pc.field('run_id').isin("
                   "ds.dataset(f'{F}/runs.parquet').to_table(filter=pc.field('point') == 17)['run_id'])).to_pandas()",
    },
    "quantiles per quarter": {
        "duckdb": "t = Table.of(F, 'trajectories').where(pair='Seoul->Moscow').quantiles('alignment')",
        "pyarrow": "t = ds.dataset(f'{F}/trajectories.parquet').to_table(columns=['step', 'alignment'], filter="
                   "(pc.field('source') == 'Seoul') & (pc.field('target') == 'Moscow')).group_by('step').aggregate("
                   "[('alignment', 'tdigest', pc.TDigestOptions(q=[0.1, 0.5, 0.9]))]).to_pandas()",
    },
    "focal outcomes with factors": {
        "duckdb": "t = Table.of(F, 'outcomes').where(pair='Seoul->Moscow').join(Table.of(F, 'runs')).to_pandas()",
        "pyarrow": "t = ds.dataset(f'{F}/outcomes.parquet').to_table(filter=(pc.field('source') == 'Seoul') & "
                   "(pc.field('target') == 'Moscow')).join(ds.dataset(f'{F}/runs.parquet').to_table(), 'run_id').to_pandas()",
    },
}
ENGINE_SETUP = "import sys, pyarrow.dataset as ds, pyarrow.compute as pc; from sim.outputs.query import Table; F = sys.argv[1]; "


# The command runs under this launcher, which reports the command's own peak: a process started
# straight from a big one (a test session) inherits that process's peak in its count (Linux).
LAUNCHER = ("import os, subprocess, sys; child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); "
            "_, status, usage = os.wait4(child.pid, 0); print(usage.ru_maxrss); "
            "sys.exit(os.waitstatus_to_exitcode(status))")


def measured(args: list[str], repeat: int) -> tuple[float, float]:
    """Median wall seconds and the largest peak resident memory (MB) of a command, in new processes."""
    times, peaks = [], []
    for _ in range(repeat):
        with tempfile.TemporaryFile() as err:  # a file, not a pipe: a pipe left unread can fill and stall the child
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", LAUNCHER, sys.executable, *args], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=err, text=True)
            times.append(time.perf_counter() - t0)
            if done.returncode != 0:
                err.seek(0)
                raise RuntimeError(f"failed: {' '.join(args)}\n{err.read().decode()}")
        peaks.append(int(done.stdout) / 1024)  # Linux reports KiB
    return statistics.median(times), max(peaks)


def sobol(replicates: int) -> str:
    """A Sobol sweep of 1,024 points (256 samples, two factors), as a scenario's `sweep:` lines."""
    return f"  design: sobol\n  samples: 256\n  replicates: {replicates}\n  factors: {{{SOBOL}}}\n"


def batch(root: Path, name: str, sweep: str) -> Path:
    """A batch folder under root, written once."""
    folder = root / name
    if not folder.exists():
        file = root / f"{name}.yaml"
        file.write_text(f"base: {BASE}\nname: {name}\nsweep:\n{sweep}")
        print(f"writing {folder} ...", flush=True)
        subprocess.run([sys.executable, "-m", "sim", "batch", str(file), "--quiet", "--out", str(folder)], cwd=ROOT, check=True)
    return folder


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=ROOT / "results" / "bench_scale", help="where the batches are written")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--small", type=int, default=250, help="replicates a point of the small grid (400 points)")
    p.add_argument("--big", type=int, default=2500, help="replicates a point of the big grid")
    args = p.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    grids = {n: batch(args.root, f"grid_{n * 400}", f"  design: grid\n  replicates: {n}\n  factors: {{{FACTORS}}}\n")
             for n in (args.small, args.big)}
    sobols = {n: batch(args.root, f"sobol_{n * 1024}", sobol(n)) for n in (args.small * 400 // 1024, args.big * 400 // 1024)}
    print(f"{'command':<14}" + "".join(f"{f'{n * 400:,} runs':>22}" for n in grids) + f"{'growth':>16}")
    over = []
    for command, line in COMMANDS.items():
        folders = list(sobols.values() if command == "sensitivity" else grids.values())
        if command == "export":  # export writes into the folder: each time afresh
            for folder in folders:
                subprocess.run(["rm", "-rf", str(folder / "export")])
        found = [measured([*line, str(f)], args.repeat) for f in folders]
        cells = "".join(f"{f'{t:6.1f} s {m:6.0f} MB':>22}" for t, m in found)
        growth = f"{found[-1][0] / found[0][0]:4.1f}x {found[-1][1] / found[0][1]:4.1f}x"
        print(f"{command:<14}{cells}{growth:>16}", flush=True)
        t, m = found[-1]
        over += [command] if t > LIMIT_S or m > LIMIT_MB else []
    print(f"bounds on the big folder ({LIMIT_S} s, {LIMIT_MB} MB): " + (f"exceeded by {', '.join(over)}" if over else "all met"))
    print(f"\nquery engines on {grids[args.big].name}:")
    for query, engines in ENGINE_QUERIES.items():
        cells = []
        for engine, code in engines.items():
            t, m = measured(["-c", ENGINE_SETUP + code, str(grids[args.big])], args.repeat)
            cells.append(f"{engine} {t:5.1f} s {m:6.0f} MB")
        print(f"  {query:<30}" + "   ".join(cells), flush=True)


if __name__ == "__main__":
    main()
