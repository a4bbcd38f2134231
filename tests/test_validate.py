"""`validate` in one pass: every problem of a file reported together, each with its line, and a
'did you mean' wherever a name is expected; a `base:` or `posterior:` that does not resolve names
its line and what to do."""

import shutil

import pytest

from conftest import SCENARIOS, cli

BASELINE = SCENARIOS / "baseline_2018.yaml"


def written(tmp_path, text: str, name: str = "mine.yaml"):
    path = tmp_path / name
    path.write_text(text.format(base=BASELINE))
    return path


def reported(result) -> dict[int, str]:
    """The problems a failed validation printed, by line (those of one line together)."""
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    found = {}
    for line in result.stderr.splitlines():
        number = int(line.split(":")[1])
        found[number] = f"{found[number]}\n{line}" if number in found else line
    return found


SIX_KINDS = """base: {base}
name: six kinds
descripton: a misspelt field
steps: 40
actors:
  Seoul: {{power: 0.04, autonomy: 1.5, patron: Washington}}
partnership:
  pair: [Seoul, Mosow]
parameters:
  sanctioned: Moscw
events:
  - at: 2019Q5
    set: {{sanctions: 0.2}}
  - at: 2035Q1
    set: {{sanctions: 0.1}}
  - at: 2020Q1
    set: {{sanction: 0.3}}
  - at: 2021Q1
    set: {{actors.Seul.autonomy: 0.3}}
"""


def test_six_kinds_of_mistakes_are_reported_together(tmp_path):
    found = reported(cli("validate", written(tmp_path, SIX_KINDS)))
    expected = {3: "unknown field 'descripton' in the top level (did you mean 'description'?)",  # the schema's own
                6: "actors.Seoul.autonomy: value 1.5 is not allowed",
                12: "event 1, at: malformed date '2019Q5'",
                8: "partnership.pair item 2: unknown actor 'Mosow' (did you mean 'Moscow'?)",  # checks across fields
                10: "parameters.sanctioned: unknown actor 'Moscw' (did you mean 'Moscow'?)",
                14: "event 2, at: 2035Q1 is outside the run; allowed: 2018Q3 to 2028Q3",
                17: "event 3, set.sanction: unknown field 'sanction' (did you mean 'sanctions'?)",
                19: "event 4, set.actors.Seul.autonomy: unknown actor 'Seul' (did you mean 'Seoul'?)"}
    assert sorted(found) == sorted(expected)
    for line, words in expected.items():
        assert words in found[line], found[line]


def test_what_the_schema_cannot_build_is_stood_in_for_and_the_rest_still_checked(tmp_path):
    text = """base: {base}
name: stand-ins
actors:
  Seoul: {{autonomy: 0.3, patron: Washinton, power: high}}
  Pyongyang: 5
partnership:
  pair: Seoul-Moscow
events:
  - set: {{sanctions: 0.2}}
  - at: 2019Q1
    set: {{mechanisms.balanse: 1}}
sweep:
  factors: {{actors.Seol.autonomy: [0, 1]}}
  record: {{pairs: [Seoul-Moskow]}}
"""
    found = reported(cli("validate", written(tmp_path, text)))
    assert "unknown actor 'Washinton' (did you mean 'Washington'?)" in found[4]  # the actor's other field failed
    assert "actors.Pyongyang" in found[5] and "partnership.pair" in found[7] and "event 1, at: is required" in found[9]
    assert "(did you mean 'mechanisms.balance'?)" in found[11]  # the event after a broken one keeps its number
    assert "(did you mean 'actors.Seoul.autonomy'?)" in found[13] and "(did you mean 'Moscow'?)" in found[14]
    assert "an event needs" not in found[9] and found[7].count("\n") == 0  # what stands in is never reported itself


@pytest.mark.parametrize("text, line, words", [
    ("sweep:\n  design: grd\n  factors: {{sanctions: [0, 1]}}", 4, "value 'grd' is not allowed (did you mean 'grid'?)"),
    ("sweep:\n  factors: {{mechanisms.hedgin: [0, 1]}}", 4, "(did you mean 'mechanisms.hedging'?)"),
    ("events:\n  - at: 2022Q1\n    set: {{sanctions: 0.9}}\nsweep:\n  factors: {{sanctions@2022Q2: [0, 1]}}", 7,
     "no event at 2022Q2 sets parameters.sanctions (did you mean 'parameters.sanctions@2022Q1'?)"),
    ("calibration:\n  series: [trades]\n  priors: {{rate: {{uniform: [0, 1]}}}}", 4,
     "value 'trades' is not allowed (did you mean 'trade'?); allowed: unga, ideal_points, trade"),
    ("calibration:\n  priors: {{x: {{uniform: [0, 1], sets: [mechanism.balance]}}}}", 4,
     "is not a condition the calibration can set (did you mean 'mechanisms.balance'?)"),
    ("decision:\n  levers: {{x: {{path: actors.Seoul.autonomyy, range: [0, 1], at: [2019Q1]}}}}\n"
     "  objectives: {{p: {{measure: partnership, direction: max}}}}", 4, "(did you mean 'actors.Seoul.autonomy'?)"),
    ("decision:\n  levers: {{x: {{path: sanctions, range: [0, 1], at: [2019Q1]}}}}\n"
     "  objectives: {{p: {{measure: partnershp, direction: max}}}}", 5, "(did you mean 'partnership'?)"),
])
def test_a_misspelt_name_gets_a_did_you_mean(tmp_path, text, line, words):
    found = reported(cli("validate", written(tmp_path, "base: {base}\nname: misspelt\n" + text)))
    assert words in found[line], found


def test_a_copied_scenario_whose_base_does_not_resolve_names_its_line_and_what_to_do(tmp_path):
    shutil.copy(SCENARIOS / "baseline_2025.yaml", tmp_path)
    result = cli("validate", tmp_path / "baseline_2025.yaml")
    found = reported(result)
    assert list(found) == [9] and "base: history_2005_2024.yaml: no such file" in found[9]
    assert "`alliance-sim new NAME --from baseline_2025`" in found[9]
    own = reported(cli("validate", written(tmp_path, "base: nowhere.yaml\nname: own\n")))
    assert "base: nowhere.yaml: no such file" in own[1] and "`alliance-sim new NAME --from SHIPPED`" in own[1]


def test_a_posterior_that_does_not_resolve_is_named_with_its_line(tmp_path):
    for name in ("baseline_2025", "history_2005_2024", "baseline_2018"):
        shutil.copy(SCENARIOS / f"{name}.yaml", tmp_path)
    result = cli("validate", tmp_path / "baseline_2025.yaml")
    assert result.returncode == 0 and "valid" in result.stdout  # the file is valid; the folder it names is missing
    assert f"{tmp_path / 'baseline_2025.yaml'}:17: warning: posterior:" in result.stderr
    assert "is not a calibration folder" in result.stderr and "--from baseline_2025" in result.stderr
    assert "warning" not in cli("validate", SCENARIOS / "baseline_2025.yaml").stderr
