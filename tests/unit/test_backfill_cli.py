"""The school index's backfill command refuses what it cannot use, in French, before touching DynamoDB."""

import pytest

from ent_accounts.schools import UAI_MESSAGE
from ent_admin import backfill_school_shards as backfill


class NoDynamoDB:
    def __getattr__(self, name):
        raise AssertionError(f"DynamoDB asked ({name}) for a refused command")


def test_a_malformed_uai_is_refused_in_french(capsys):
    assert backfill.main(["--table", "t", "--uai", "034123"], client=NoDynamoDB()) == 2
    assert capsys.readouterr().err.strip() == UAI_MESSAGE


@pytest.mark.parametrize("option", ["--shards", "--segments"])
def test_zero_shards_or_segments_are_refused(capsys, option):
    assert backfill.main(["--table", "t", option, "0"], client=NoDynamoDB()) == 2
    assert capsys.readouterr().err.strip() == f"{option} : au moins 1."


def test_the_table_is_required(capsys):
    with pytest.raises(SystemExit) as stopped:
        backfill.main([], client=NoDynamoDB())
    assert stopped.value.code == 2
    assert "--table" in capsys.readouterr().err
