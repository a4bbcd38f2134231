"""The scenario schema: every field an analyst may write, its type, range and meaning.

pydantic models, strict and closed (an unknown field is an error). The shipped files
under scenarios/ explain every field in their comments.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .calendar import format_quarter, parse_quarter
from .paths import expand_path

# The most actors a scenario may have: a step costs the cube of their number (structural balance runs
# over every triad). Measured, one run of 88 quarters: 100 actors 0.9 s and 28 MB, 200 actors 6.5 s,
# 400 actors 46 s; 100 keeps a run of the default 200 replicates within minutes.
MAX_ACTORS = 100
ACTORS_WHY = "a step costs the cube of their number: one run of 88 quarters takes about 1 s with 100 actors, 7 s with 200"

Unit = Annotated[float, Field(ge=0, le=1)]
Stance = Annotated[float, Field(ge=-1, le=1)]
Weight = Annotated[float, Field(ge=0, le=10)]



class _Strict(BaseModel):
    """Closed (an unknown field is an error), strict (no type is guessed), and every number finite."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Actor(_Strict):
    """A state: its weight in the region and its room for manoeuvre."""

    power: Unit = Field(description="share of the region's capabilities (CINC-like)")
    autonomy: Unit = Field(1.0, description="freedom from the patron's lead: 0 follows, 1 sovereign")
    patron: str | None = Field(None, description="the power whose lead this actor follows")
    sanction_sensitivity: Unit = Field(0.0, description="exposure of its firms to secondary sanctions")
    joining: Unit | None = Field(None, description="how far it joins the sanctions with its own measures (0 stays "
                                                   "out, 1 matches the sanctioner); default: 1 - autonomy if the "
                                                   "sanctioner is its patron, else 0")


class Parameters(_Strict):
    """Exogenous conditions of the region."""

    sanctions: Unit = Field(0.0, description="intensity of the sanctioner's sanctions on the sanctioned")
    sanctioner: str | None = Field(None, description="the actor that imposes the sanctions (none: no sanctions regime)")
    sanctioned: str | None = Field(None, description="the actor under sanctions")
    noise: Annotated[float, Field(ge=0, le=0.5)] = Field(0.02, description="s.d. of the noise on stances per quarter")
    rate: Annotated[float, Field(gt=0, le=1)] = Field(0.1, description="share of the stances' pull realised per step")
    trade_rate: Annotated[float, Field(gt=0, le=1)] = Field(
        0.1, description="share of the gap to its target that cooperation closes per step (trade's own speed)")
    trade_response: Unit = Field(0.5, description="how far political warmth lifts cooperation above its potential")
    tourism_growth: Unit = Field(0.05, description="logistic growth rate of people-to-people ties")


class Mechanisms(_Strict):
    """The weight of each mechanism (0 switches it off)."""

    interests: Weight = Field(1.0, description="stances drift back toward their enduring interests (realism)")
    patron_pull: Weight = Field(1.0, description="a client adopts its patron's stances, in proportion to 1 - autonomy")
    balance: Weight = Field(0.5, description="structural balance: the friend of a friend is a friend (Heider)")
    interdependence: Weight = Field(0.5, description="realised economic cooperation warms stances")
    sanctions: Weight = Field(1.0, description="the sanctions coalition: estrangement, retaliation, the trade cut")
    hedging: Weight = Field(0.5, description="the wary warm to those who keep their distance from the hegemon")
    rivalry: Weight = Field(1.0, description="near-equal great powers distrust each other (power transition)")
    people: Weight = Field(0.1, description="people-to-people ties warm stances a little (soft power)")


class Partnership(_Strict):
    """When a pair counts as strategic partners."""

    pair: list[str] = Field(min_length=2, max_length=2, description="the focal pair; the first is the plots' focal actor")
    threshold: Annotated[float, Field(gt=0, le=1)] = Field(0.5, description="both directed stances at or above this")
    cooperation: Unit = Field(0.3, description="and the pair's cooperation at or above this")
    hold: Annotated[int, Field(ge=1, le=1000)] = Field(4, description="for this many quarters in a row")
    counted_from: str | None = Field(None, description="quarter from which a partnership counts (default: the start); "
                                                       "the conditions are not tracked before it")

    @field_validator("counted_from", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> str | None:
        return None if value is None else format_quarter(parse_quarter(str(value)))


class Shift(_Strict):
    """A shift of the current state: added to the stances and cooperation at that date (then kept in range)."""

    alignment: dict[str, Annotated[float, Field(ge=-2, le=2)]] = Field(
        default_factory=dict, description="'A->B' (one direction) or 'A-B' (both): change of the stance")
    cooperation: dict[str, Annotated[float, Field(ge=-1, le=1)]] = Field(
        default_factory=dict, description="'A-B': change of the pair's cooperation")


class Event(_Strict):
    """At date `at`: the values in `set` hold from then on (conditions and interests; keys: a
    parameter name or a dotted path), and `shift` moves the current state once (a summit, an
    incident). `note` says what happened, and where that is recorded."""

    at: str = Field(description="the quarter it happens, YYYYQn")
    set: dict[str, float] = Field({}, description="conditions from then on: a parameter name or a dotted path to a "
                                                  "condition (actors.NAME.autonomy, interests.A->B) -> its value")
    shift: Shift | None = Field(None, description="a shift that moves the current stances and cooperation once "
                                                  "(a summit, an incident)")
    note: str = Field("", description="what happened, and where that is recorded")

    @field_validator("at", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> str:
        return format_quarter(parse_quarter(str(value)))


class Rest(_Strict):
    """The picture at which the enduring interests and the economic potential hold every stance and
    tie still (docs/model.md, 5): interests and potential not given are derived from it."""

    at: str | None = Field(None, description="under the conditions in force before this quarter's events "
                                             "(default: the start, before any event)")
    alignment: dict[str, Stance] = Field(default_factory=dict, description="stances at rest; pairs not listed: the initial ones")
    cooperation: dict[str, Unit] = Field(default_factory=dict,
                                         description="cooperation at rest; pairs not listed: the initial one")

    @field_validator("at", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> str | None:
        return None if value is None else format_quarter(parse_quarter(str(value)))


class FactorRange(_Strict):
    """A factor: its `range` (sampled for lhs/sobol/morris, or `points` evenly spaced values for a
    grid) or its listed `values` (grid), and a `label` for axes, tables and reports."""

    range: list[float] | None = Field(None, min_length=2, max_length=2, description="[low, high] of the factor")
    points: Annotated[int, Field(ge=2, le=10_000)] | None = Field(None, description="grid: this many evenly spaced values "
                                                                                    "over the range")
    values: list[float] | None = Field(None, min_length=1, description="grid: the values themselves")
    label: str | None = Field(None, min_length=1, max_length=80, description="what the factor means, for axes and tables")


class Record(_Strict):
    """Which trajectories a batch keeps (outcomes are kept for every run and pair)."""

    pairs: list[str] = Field(default_factory=list, description="'A-B' (both directions) or 'A->B'; default: the "
                                                               "partnership pair and the focal actor's tie to its patron")
    every: Annotated[int, Field(ge=1)] = Field(1, description="keep every this many quarters (and the last)")


class Sweep(_Strict):
    """An experimental design: factors (dotted scenario paths) varied over design points."""

    design: Literal["grid", "lhs", "sobol", "morris"] = Field("grid", description="how design points are chosen")
    samples: Annotated[int, Field(ge=1, le=10_000_000)] = Field(
        64, description="lhs, sobol, morris: design points (sobol: samples x (factors + 2); morris: samples x (factors + 1))")
    levels: Annotated[int, Field(ge=2, le=100)] = Field(4, description="morris: grid levels")
    replicates: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        20, description="seeded runs per point; replicate r has the same seed at every point")
    factors: dict[str, list[float] | FactorRange] = Field(
        min_length=1, description="dotted path of a numeric field -> listed values (grid) or {range, points, label}")
    record: Record = Field(Record(), description="which trajectories are kept")
    chunk: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        2000, description="runs per chunk: the unit of work, of writing and of resuming")

    def label(self, path: str) -> str | None:
        """The `label:` given to the factor at `path` (a dotted path or a short name), if any."""
        for key, spec in self.factors.items():
            if expand_path(key) == expand_path(path) and isinstance(spec, FactorRange):
                return spec.label
        return None


class LandscapeInput(_Strict):
    """Landscape-theory inputs given directly (default: sizes = power, propensities = stances)."""

    sizes: dict[str, Annotated[float, Field(ge=0)]] = Field({}, description="actor -> size (default: its power)")
    propensity: dict[str, Stance] = Field({}, description="'A-B' -> propensity to be together (default: the stances)")


class Prior(_Strict):
    """A calibrated value: its prior, and the fields it sets (default: the field named by its key)."""

    uniform: list[float] = Field(min_length=2, max_length=2, description="[low, high]: flat prior between them")
    sets: list[str] = Field(default_factory=list, description="dotted paths; 'path@2008Q1' for the value an event sets")


class Calibration(_Strict):
    """Simulation-based calibration (ABC-SMC) against the observed series, fitted up to `fit_end`."""

    priors: dict[str, Prior] = Field(min_length=1, description="name (or dotted path) -> prior and the fields it sets")
    series: list[Literal["unga", "ideal_points", "trade"]] = Field(
        ["unga", "ideal_points", "trade"], min_length=1,
        description="observed series fitted: UN voting agreement, UN ideal-point distance, trade intensity")
    data: str | None = Field(None, description="folder of observed series in the format of data/README.md, "
                                               "relative to the scenario file (default: the shipped data)")
    fit_end: Annotated[int, Field(ge=1992, le=2024)] = Field(
        2018, description="last year fitted; later years are scored as a hindcast. The shipped history fits to 2018 "
                          "(2019-2024: its hindcast); 2024, every year with data, is for a forecast from today")
    replicates: Annotated[int, Field(ge=1, le=1000)] = Field(10, description="seeded runs per particle, averaged")
    population: Annotated[int, Field(ge=10, le=100_000)] = Field(500, description="particles per generation")
    generations: Annotated[int, Field(ge=1, le=100)] = Field(8, description="at most this many generations")
    tolerance: Annotated[float, Field(ge=0)] = Field(0.0, description="stop once the distance threshold is below it")


class Lever(_Strict):
    """A choice the decision maker controls: a condition it sets, within a range, from given quarters."""

    path: str = Field(description="the condition it sets: parameters.NAME, mechanisms.NAME or actors.NAME.FIELD")
    range: list[float] = Field(min_length=2, max_length=2, description="[low, high]: the values it may take")
    at: list[str] = Field(min_length=1, max_length=20, description="the quarters from which it is set anew, "
                                                                  "each a choice of its own (YYYYQn)")
    label: str | None = Field(None, min_length=1, max_length=80, description="what the lever means, for axes and tables")

    @field_validator("at", mode="before")
    @classmethod
    def _quarters(cls, value: Any) -> list[str]:
        if not isinstance(value, list):
            return value
        return [format_quarter(parse_quarter(str(v))) for v in value]


class Objective(_Strict):
    """What the decision maker wants of the runs, read from each state of the world's runs."""

    measure: Literal["partnership", "years_to_partnership", "cooperation", "stance"] = Field(
        description="partnership: share of runs reaching the partnership; years_to_partnership: years until it "
                    "(runs without one count the whole horizon); cooperation: of `pair`; stance: of `pair` (A->B)")
    pair: str | None = Field(None, description="'A-B' for cooperation, 'A->B' for a stance")
    direction: Literal["max", "min"] = Field(description="whether more (max) or less (min) is better")
    at_least: float | None = Field(None, description="satisficing: good enough at or above this")
    at_most: float | None = Field(None, description="satisficing: good enough at or below this")
    label: str | None = Field(None, min_length=1, max_length=80, description="what it means, for axes and tables")


class Decision(_Strict):
    """The decision `alliance-sim decide` searches: levers, objectives, and the states of the world
    each policy is evaluated over (the posterior's parameter sets, and the `uncertain` values)."""

    levers: dict[str, Lever] = Field(min_length=1, description="name -> lever")
    objectives: dict[str, Objective] = Field(min_length=1, max_length=6, description="name -> objective")
    uncertain: dict[str, list[float]] = Field({}, description="'path@QUARTER' or path -> [low, high]: values "
                                                              "the decision maker does not control, drawn per state of the world")
    ensemble: Annotated[int, Field(ge=2, le=100_000)] = Field(
        100, description="states of the world: parameter sets drawn from the posterior, with the uncertain values")
    replicates: Annotated[int, Field(ge=1, le=1000)] = Field(4, description="seeded runs per state of the world")
    population: Annotated[int, Field(ge=4, le=10_000)] = Field(32, description="policies per generation of the search")
    generations: Annotated[int, Field(ge=1, le=1000)] = Field(20, description="generations of the search")


class Scenario(_Strict):
    """A validated scenario; see the shipped files under scenarios/ for every field explained."""

    name: str = Field(min_length=1, description="names its results folders: a plain name, no path separators")
    description: str = Field("", description="what the scenario asks, in a sentence or two")
    start: str = Field("2018Q3", description="the first quarter simulated, YYYYQn; each step is a quarter")
    steps: Annotated[int, Field(ge=1, le=10_000)] = Field(88, description="quarters simulated")
    seed: Annotated[int, Field(ge=0, lt=2**63)] = Field(0, description="master seed; each replicate's seed derives from it")
    replicates: Annotated[int, Field(ge=1, le=1_000_000)] = Field(20, description="seeded runs of `alliance-sim run`")
    actors: dict[str, Actor] = Field(min_length=2, description="name -> actor; names are plain words (they name files)")
    alignment: dict[str, Stance] = Field({}, description="initial stances on [-1, 1]: 'A-B' both ways, 'A->B' one way; "
                                                         "pairs not listed start at 0")
    cooperation: dict[str, Unit] = Field({}, description="initial economic cooperation 'A-B' on [0, 1]")
    interests: dict[str, Annotated[float, Field(ge=-10, le=10)]] = Field(
        {}, description="enduring interests 'A->B' (default: derived from the rest picture)")
    potential: dict[str, Annotated[float, Field(ge=-10, le=10)]] = Field(
        {}, description="economic potential 'A-B' (default: derived from the rest picture)")
    ties: dict[str, Unit] = Field({}, description="initial people-to-people ties 'A-B' on [0, 1]")
    rest: Rest | None = Field(None, description="the picture at rest from which interests and potential are derived "
                                                "(default: the initial picture)")
    parameters: Parameters = Field(Parameters(), description="conditions: sanctions, noise, rate of change, responses")
    mechanisms: Mechanisms = Field(Mechanisms(), description="the weight of each mechanism (0 switches it off)")
    partnership: Partnership = Field(description="what counts as the strategic partnership the runs are scored on")
    events: list[Event] = Field([], description="what changes when: conditions set from a quarter on, or a one-off shift")
    sweep: Sweep | None = Field(None, description="the design of `alliance-sim batch`: factors, design, replicates")
    landscape: LandscapeInput | None = Field(None, description="sizes and propensities for the energy landscape")
    calibration: Calibration | None = Field(None, description="priors and observed series for `alliance-sim calibrate`")
    decision: Decision | None = Field(None, description="levers and objectives for `alliance-sim decide`")
    posterior: str | None = Field(None, description="a calibration folder (relative to this file) from whose posterior "
                                                    "every command draws each run's parameters, unless --file-values")

    @field_validator("start", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> str:
        return format_quarter(parse_quarter(str(value)))

    @field_validator("actors", mode="before")
    @classmethod
    def _not_too_many(cls, value: Any) -> Any:
        if isinstance(value, dict) and len(value) > MAX_ACTORS:
            raise ValueError(f"{len(value):,} actors; allowed: at most {MAX_ACTORS} ({ACTORS_WHY})")
        return value

    @property
    def names(self) -> list[str]:
        """The actors' names, in the order of the model's arrays."""
        return list(self.actors)

    @property
    def focal(self) -> str:
        """The actor whose stances the plots follow: the first of the partnership pair."""
        return self.partnership.pair[0]

    def index(self, actor: str) -> int:
        """An actor's row and column in the model's arrays."""
        return self.names.index(actor)

    @property
    def partnership_start(self) -> int:
        """The first step at which the partnership conditions are tracked (`partnership.counted_from`)."""
        at = self.partnership.counted_from
        return 0 if at is None else max(0, parse_quarter(at) - parse_quarter(self.start))

    @property
    def rest_step(self) -> int:
        """The step before whose events the rest state is derived (`rest.at`; 0: the start)."""
        at = self.rest.at if self.rest is not None else None
        return 0 if at is None else parse_quarter(at) - parse_quarter(self.start)

    def event_steps(self) -> list[tuple[int, dict[str, float]]]:
        """Events as (step, {path: value}), in time order."""
        first = parse_quarter(self.start)
        timed = [(parse_quarter(e.at) - first, {expand_path(k): v for k, v in e.set.items()}) for e in self.events if e.set]
        return sorted(timed, key=lambda item: item[0])

    def shift_steps(self) -> list[tuple[int, Shift]]:
        """Shifts as (step, shift), in time order."""
        first = parse_quarter(self.start)
        return sorted(((parse_quarter(e.at) - first, e.shift) for e in self.events if e.shift), key=lambda item: item[0])

    def to_dict(self) -> dict:
        """Every field, defaults included, as plain data."""
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        """The scenario as a YAML file that loads back to it (as a results folder's scenario.yaml)."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def digest(self, defaults: bool = False) -> str:
        """A hash of the resolved scenario: equal hashes, equal inputs.

        Fields at their defaults are left out, so that a field added to the schema later (with a
        default that changes nothing) leaves the hashes of earlier folders as they were.
        `defaults=True`: the hash with every field, as folders written before this rule have it."""
        found = self.to_dict() if defaults else self.model_dump(mode="json", exclude_defaults=True)
        canonical = json.dumps(found, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


