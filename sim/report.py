"""A self-contained HTML report of a results folder: one file, figures embedded, no network.

Sections: the scenario in plain words, the design, the headline map, banded trajectories
of the focal pair, the paths picture, sensitivity and discovery where the batch allows,
and provenance (versions, seeds, scenario hash, command).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from .analysis.points import nearest_point, point_label
from .core.outcomes import summary_text
from .extras import MissingExtra
from .outputs import figures
from .outputs.figures.paths import read_paths
from .outputs.figures.sensitivity import OUTCOME_LABELS
from .outputs.results import (
    Refused,
    Results,
    check_file,
    check_files,
    new_file,
    parameters_note,
    parameters_used,
    staged,
    tool_file,
)
from .scenario import Scenario
from .scenario.calendar import parse_quarter, step_dates

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
img { max-width: 100%; height: auto; display: block; margin: 1em 0; }
table { border-collapse: collapse; font-size: .9em; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
.note { color: #555; font-size: .92em; } code { background: #f4f4f4; padding: 0 .2em; }
"""


def _image(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return _embed(buffer.getvalue())


def _embed(png: bytes) -> str:
    return f'<img alt="figure" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


PAGE = (".html", ".htm")
GENERATOR = "<meta name='generator' content='alliance-sim'>"  # marks a page as the tool's (`own_report`)


def _write_page(out: Path, title: str, heading: str, intro: str, sections: list[tuple[str, str, str]],
                replace: bool = False, own=None) -> None:
    """One self-contained page: the heading, an introduction, then a section per (id, title, html);
    written under the rule (`new_file`): a page there is replaced only with `replace`, if `own` accepts it
    (default: a report the tool wrote)."""
    body = "".join(f'<section id="{k}"><h2>{html.escape(t)}</h2>{c}</section>' for k, t, c in sections)
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{GENERATOR}<title>{title}</title>"
            f"<style>{STYLE}</style></head><body><h1>{heading}</h1>{intro}{body}</body></html>")
    with new_file(out, replace, own or own_report) as partial:
        partial.write_text(page, encoding="utf-8")


def own_report(path: Path) -> str:
    """What --replace replaces at a file the user named: a report the tool wrote (it carries the
    tool's mark near its start), or Refused."""
    tool_file(path)
    with open(path, "rb") as f:
        start = f.read(1024)
    if GENERATOR.encode() not in start:
        raise Refused(f"{path} exists and is not a report of alliance-sim; --replace replaces only those: choose "
                      "another --out, or move it away yourself")
    return str(path)


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    if frame.index.name:  # the index as an ordinary first column
        frame = frame.reset_index()
    return frame.to_html(float_format=lambda v: f"{v:.{digits}g}", border=0, na_rep="–", index=False)


def plain_words(s: Scenario, designed: bool = True) -> str:
    """The scenario told in sentences."""
    end = step_dates(s.start, s.steps)[-1]
    p = s.parameters
    lines = [f"{html.escape(s.description.strip() or s.name)}",
             f"{len(s.actors)} states ({html.escape(', '.join(s.names))}) are followed from {s.start} to {end}, "
             f"one step a quarter" + ("" if s.sweep else f", over {s.replicates} seeded runs") + f" (master seed {s.seed})."]
    for name, actor in s.actors.items():
        if actor.patron:
            lines.append(f"{name} follows {actor.patron}'s lead with autonomy {actor.autonomy:.2f} (0 follows, 1 sovereign).")
    if p.sanctioner:
        lines.append(f"{p.sanctioner} sanctions {p.sanctioned} at intensity {p.sanctions:.2f} (0 to 1).")
    for e in sorted(s.events, key=lambda e: parse_quarter(e.at)):  # in date order, as a reader follows them
        said = [f"from then on {', '.join(f'{k} = {v:g}' for k, v in e.set.items())}"] if e.set else []
        if e.shift is not None:
            moves = {**e.shift.alignment, **{f"cooperation {k}": v for k, v in e.shift.cooperation.items()}}
            said.append("a shift moves " + ", ".join(f"{k} by {v:+g}" for k, v in moves.items()))
        note = f" ({html.escape(e.note)})" if e.note else ""
        lines.append(f"{e.at}: {'; '.join(said)}{note}.")
    if s.sweep:
        swept = ", ".join(html.escape(figures.factor_label(f, s)) for f in s.sweep.factors)
        lines.append(f"Swept in this batch: {swept}. The values stated above for these are the base scenario's; "
                     "each run's are in the design below." if designed else
                     f"The file also describes a sweep over {swept}; these runs are not that batch but plain runs "
                     "at the values stated above (`alliance-sim batch` runs the sweep).")
    a, b = s.partnership.pair
    q = s.partnership
    lines.append(f"{a} and {b} count as strategic partners when both stances reach {q.threshold:g} and their "
                 f"cooperation {q.cooperation:g}, held for {q.hold} quarters.")
    return "<p>" + "</p><p>".join(lines) + "</p>"


def trust(res: Results) -> str:
    """What the runs rest on: which parameters they used, and the calibrated model's standing against
    the data and against 'nothing changes' (persistence): what the shares can and cannot be read as."""
    from .evidence.history import standing

    used = res.manifest.get("parameters") or parameters_used(res.manifest.get("posterior"), res.manifest.get("posterior_sets"))
    if not res.manifest.get("posterior"):  # the calibrated model's standing says nothing of values set by hand
        return ("<p>" + f"Parameters of these runs: {html.escape(used)}. They are not fitted to any data, so how the "
                "calibrated model fares against the data does not apply to them. The calibrated answer to the same "
                "question: run the scenario under a posterior (without --file-values where the file names one, or "
                "with --posterior scenarios/posteriors/history_2005_2024).</p><p>The shares below are the logic of "
                "these values under the conditions given: a model scenario, not a forecast.</p>")
    lines = [f"Parameters of these runs: {html.escape(used)}.", *[html.escape(line) for line in standing()]]
    lines.append("The shares below are the model's logic under the conditions given, with the uncertainty of its "
                 "parameters and its noise: a model scenario, not a forecast of what will happen.")
    return "<p>" + "</p><p>".join(lines) + "</p>"


def _design(res: Results) -> str:
    sweep = res.scenario.sweep
    factors = pd.DataFrame({"factor": [figures.factor_label(f, res.scenario) for f in sweep.factors], "path": list(sweep.factors),
                            "low": res.design.drop(columns="point").min().to_numpy(),
                            "high": res.design.drop(columns="point").max().to_numpy()}).set_index("factor")
    return (f"<p>A {sweep.design} design of {len(res.design):,} points × {sweep.replicates} seeded replicates = "
            f"{int(res.summary['runs'].sum()):,} runs.</p>" + _table(factors))


def _sections(res: Results, say) -> list[tuple[str, str, str]]:
    """(id, title, html) for every section this folder supports; `say` tells of each figure drawn."""
    s = res.scenario
    a, b = s.partnership.pair
    found = [("scenario", "The scenario", plain_words(s, res.design is not None)),
             ("trust", "How far to trust this", trust(res))]
    used = parameters_note(res.manifest)
    point, shown = "", None
    if res.design is None:
        trajectories = res.trajectories
    else:
        found.append(("design", "The design", _design(res)))
        factors = [c for c in res.design.columns if c != "point"]
        if len(factors) >= 2:
            say("report: the map")
            found.append(("map", "Headline map",
                          _image(figures.map_figure(res.summary, s, factors[0], factors[1], parameters=used))))
        shown = nearest_point(res.design, s)  # the point `plot` draws by default
        trajectories = res.trajectories_at(shown)
        summary = res.summary.set_index("point")
        best = int(summary["partnership_share"].idxmax())
        point = f"at {point_label(res.design, shown)}, the one nearest the scenario's own values"
        said = (f"{point} ({summary_text(summary.loc[shown])})" + ("" if best == shown or summary["partnership_share"].max() == 0
                else f"; partnership is likeliest at {point_label(res.design, best)} ({summary_text(summary.loc[best])})"))
    say("report: the trajectories")
    found.append(("trajectories", f"Trajectories: {a} and {b}",
                  (f"<p class='note'>Shown {html.escape(said)}.</p>" if point else "")
                  + _image(figures.trajectories_figure(trajectories, s, note=" · ".join(filter(None, [point, used]))))))
    say("report: the paths toward partnership")
    try:
        paths = _image(figures.paths_figure(read_paths(res, point=shown), s,
                                            " · ".join(filter(None, [point, used]))))
    except ValueError as exc:  # the batch did not record the stances the picture needs
        paths = f"<p class='note'>{html.escape(str(exc))}</p>"
    found.append(("paths", "Paths toward partnership", paths))
    if res.design is not None and s.sweep.design in ("sobol", "morris"):
        from .analysis import sensitivity

        say("report: sensitivity")
        table = sensitivity.analyse(res)
        wide = table.pivot_table(index="factor", columns=["outcome", "index"], values="value")
        wide.columns = [f"{index} of {OUTCOME_LABELS[outcome]}" for outcome, index in wide.columns]
        found.append(("sensitivity", "Sensitivity", _image(figures.sensitivity_figure(table, f"Which factors matter\n{used}", s))
                      + _table(wide)))
    if res.design is not None and res.summary["partnership_share"].gt(0).any():
        from .analysis import discovery

        say("report: scenario discovery")
        try:
            box = discovery.discover(res)[0]
        except (MissingExtra, ValueError) as exc:
            body = f"<p class='note'>{html.escape(str(exc))}</p>"
        else:
            limits = box.limits.rename_axis("factor").rename(index=lambda f: figures.factor_label(f, s))
            body = (f"<p>Partnership is likely inside this box: it holds {box.coverage:.0%} of all partnership runs, "
                    f"and {box.density:.0%} of its runs reach partnership.</p>" + _table(limits)
                    + _image(figures.discovery_figure(box, f"PRIM peeling trajectory\n{used}")))
        found.append(("discovery", "Scenario discovery", body))
    found.append(("provenance", "Provenance", _provenance(res)))
    return found


def _provenance(res: Results) -> str:
    m = res.manifest
    rows = {"command": m.get("command"), "created": m.get("created"), "scenario SHA-256": m.get("scenario_sha256"),
            "engine": m.get("engine"), "master seed": m.get("seed"), "wall time (s)": m.get("wall_time_s"),
            **{f"version of {k}": v for k, v in m.get("versions", {}).items()}}
    seeds = m.get("seeds", [])
    rows["run seeds"] = ", ".join(map(str, seeds[:20])) + (f" … ({len(seeds)} in manifest.json)" if len(seeds) > 20 else "")
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows.items())
    return f"<table>{body}</table>"


def _comparison(res: Results, others: list[Results]) -> str:
    """The comparison section: this folder against the others, a batch by its point nearest its base."""
    from .analysis import compare

    def as_item(r: Results):
        return compare.item(r, nearest_point(r.design, r.scenario) if r.summary is not None else None)

    items = [as_item(r) for r in (res, *others)]
    found = compare.table(items).drop(columns=["share", "share_low", "share_high"]).set_index("item")
    return ("<p class='note'>The first row is this report's; each number's difference to it is in the columns "
            "marked 'vs first'.</p>" + _table(found)
            + _image(figures.compare_figure(items, settings=compare.differences(items))))


def build(res: Results, out: str | Path | None = None, others: list[Results] | None = None,
          say=lambda message: None, replace: bool = False) -> Path:
    """Write the report of a loaded results folder, compared with `others` if given; returns its
    path (default: FOLDER/report.html). `say` tells how far it has got. A file already there is
    replaced only with `replace`, and, at a path given, only if it is a report the tool wrote."""
    out = Path(out) if out else res.path / "report.html"
    check_file(out, PAGE, replace, own_report)
    sections = _sections(res, say)
    if others:
        say("report: the comparison")
        sections.insert(-1, ("comparison", "Compared with other scenarios", _comparison(res, others)))
    toc = "".join(f'<li><a href="#{k}">{html.escape(title)}</a></li>' for k, title, _ in sections)
    name, (a, b) = html.escape(res.scenario.name), res.scenario.partnership.pair
    _write_page(out, f"{name}: {a}–{b} partnership", f"{name}: could {a} and {b} become strategic partners?",
                f"<ul>{toc}</ul>", sections, replace, own_report)
    return out


DECISION_FIGURES = ("policies", "regret", "boxes", "voi", "tradeoff")


def decision_report(folder: Path, svg: bool = False, replace: bool = True) -> list[Path]:
    """The figures and the report of a decision folder (`alliance-sim decide`): plots/ and report.html,
    replacing those there only with `replace` (`decide` itself redraws its own)."""
    import json

    from .analysis.decision import variables
    from .analysis.robust_decision import mean_error, verdict
    from .outputs.figures.decision import boxes_figure, policies_figure, policy_names, regret_figure, tradeoff_figure, voi_figure
    from .outputs.results import folder_scenario, read_table

    folder = Path(folder)
    check_file(folder / "report.html", PAGE, replace, own_report)
    check_files(folder / "plots", [f"{key}.{kind}" for key in DECISION_FIGURES for kind in ("png", "svg")[:1 + svg]],
                replace)
    s = folder_scenario(folder, "decide again into a new folder")
    made_by = "\n" + parameters_note(json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
    found, states, voi, priors, trade_off = (read_table(folder, name) for name in
                                             ("policies", "states", "voi", "priors", "voi_tradeoff"))
    long = read_table(folder, "outcomes")
    names = list(s.decision.objectives)
    outcomes = long[names].to_numpy().reshape(len(found), -1, len(names))
    labels = {row.setting: f"{s.decision.levers[row.lever].label or row.lever} from {row.at}"
              for row in variables(s).itertuples()}
    labels |= {name: o.label or name for name, o in s.decision.objectives.items()}
    boxes = {}
    for name, box in json.loads((folder / "boxes.json").read_text(encoding="utf-8")).items():
        if box is not None:
            boxes[name] = pd.DataFrame.from_dict(box.pop("limits"), orient="index")
            boxes[name].attrs |= box
    values = states.drop(columns=["state", "posterior_row"])
    named = found[found["role"] != ""]
    ranges = pd.DataFrame({"low": values.min(), "high": values.max()})
    lower = tuple(n for n, o in s.decision.objectives.items() if o.direction == "min")
    errors = dict(zip(names, mean_error(outcomes).tolist()))
    figs = {"policies": (policies_figure(found, labels, f"The efficient policies of '{s.name}': each line a policy, its "
                                                        "levers (left) and its objectives' means over the states of the "
                                                        "world (right; up is better on each)" + made_by, lower, errors),
                         "Each line a policy: its levers (left) and its objectives' means over the states of the world "
                         "(right), each axis from its lowest to its highest value among the policies, or, where those "
                         "differ by less than twice their standard error, over that span (a dotted axis)."),
            "regret": (regret_figure(named, {n: labels[n] for n in names}, policy_names(named),
                                     "Regret of the policies with a role (least largest regret: the policy whose "
                                     "longest bar, each objective's scaled by the longest of any efficient policy, "
                                     "is shortest)" + made_by),
                       "Regret: how far a policy falls short of the best efficient policy in the same state of the world."),
            "boxes": (boxes_figure(boxes, ranges, "Where each policy fails (is not good enough: misses the threshold "
                                                  "of an objective), by PRIM over the states" + made_by),
                      "The parameter values of the states in which the policy is not good enough."),
            "voi": (voi_figure(voi, labels | {"good enough": "good enough (every threshold met; share)"},
                               "Which value would be worth knowing before choosing" + made_by,
                               spans=dict(found[names].max() - found[names].min())),
                    "Expected value of partial perfect information: what knowing a value before choosing would add to "
                    "the best policy's mean; grey: no more than chance gives.")}
    if trade_off is not None and len(trade_off):
        figs["tradeoff"] = (tradeoff_figure(trade_off, labels, "Which value would be worth knowing, weighing one objective "
                                                                "against the other" + made_by),
                            "The value of information on the trade-off: each weight a utility, the weighted sum of the "
                            "two objectives (each scaled to [0, 1] over every policy and state); bands: 95% "
                            "sampling intervals.")
    written = []
    sections = [("verdict", "What the analysis says", "".join(f"<p>{html.escape(line)}</p>" for line in
                                                              verdict(s, found, outcomes, voi, priors, trade_off)))]
    with staged(folder / "plots", replace) as partial:
        for key, (fig, note) in figs.items():
            written += [folder / "plots" / path.name for path in figures.save(fig, partial / key, svg)]
            image = _embed((partial / f"{key}.png").read_bytes())
            sections.append((key, key.capitalize(), f"<p class='note'>{html.escape(note)}</p>{image}"))
    shown = named[["policy", "role", *labels, "satisficing", *[f"{n}_regret_p90" for n in names]]]
    sections.insert(1, ("policies-table", f"The efficient policies with a role ({len(named)} of {len(found)}; all in "
                                          "policies.parquet)", _table(shown.rename(columns=labels))))
    sections.append(("priors", "Which conclusions hang on the priors", _table(priors) if len(priors) else
                     "<p>No posterior: the states of the world are seeds of the scenario's own values.</p>"))
    sections.append(("voi-table", "Value of information", _table(voi)))
    name = html.escape(s.name)
    _write_page(folder / "report.html", f"{name}: decision", f"{name}: which policy holds across the states of the world?",
                plain_words(s), sections, replace)
    return [*written, folder / "report.html"]
