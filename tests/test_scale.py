"""A million runs on a laptop: every analysis command on a 1,000,000-run batch stays under a
minute and 1.5 GB of resident memory. The commands, their measurement and the bounds are
those of bench/results_scale.py, which also prints how both grow."""

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from results_scale import COMMANDS, LIMIT_MB, LIMIT_S, batch, measured, sobol  # noqa: E402  (beside the bench)


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    """A Sobol design of 1,000,448 runs (1,024 points x 977 replicates), 88 quarters, default recording."""
    return batch(tmp_path_factory.mktemp("scale"), "million", sobol(977))


@pytest.mark.alone
@pytest.mark.slow  # writes 5 GB of Parquet in about 3 minutes on 2 cores, then about 2 minutes of commands
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_reads_a_million_runs_within_a_minute_and_a_gigabyte_and_a_half(million, command):
    seconds, peak_mb = measured([*COMMANDS[command], str(million)], repeat=1)
    assert peak_mb < LIMIT_MB and seconds < LIMIT_S, f"{command}: {seconds:.1f} s, {peak_mb:.0f} MB"
