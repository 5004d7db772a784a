"""The console's views take the query string and the uploaded file as a staff member's browser sends them (or as
anyone tampers with them): whatever the values, a page comes back (problems said in French), never an exception
that would be a 500. FUZZ_EXAMPLES generated queries and files per test (110 in CI)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ent_accounts.console.chase import chase_list
from ent_accounts.console.listing import account_list
from ent_accounts.console.uploads import import_preview
from tests.support.console_accounts import NOW, SCHOOL, school
from tests.unit.test_console_views import GOOD

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
WORTH_TRYING = st.sampled_from(
    ["", " ", "-", "0", "1", "2", "-1", "²", "٣", "9" * 30, "a-valider", "actif", "eleve", "parent", "4e B", "4E b"]
)
VALUE = st.one_of(st.none(), WORTH_TRYING, st.text(max_size=200))
QUERY = st.dictionaries(st.sampled_from(["q", "statut", "profil", "classe", "page", "semaines", "x"]), VALUE)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(QUERY)
def test_any_query_gives_a_list(query):
    view = account_list(school(), NOW, SCHOOL, query)
    assert 1 <= view.page <= view.pages and len(view.rows) <= 50
    assert all(isinstance(problem, str) and problem.endswith(".") for problem in view.problems)


@SETTINGS
@given(QUERY)
def test_any_query_gives_a_list_to_chase(query):
    view = chase_list(school(), NOW, SCHOOL, query)
    assert 1 <= view.weeks <= 13


@SETTINGS
@given(
    st.text(max_size=300),
    st.one_of(st.binary(max_size=2000), st.just(GOOD), st.builds(lambda b: GOOD + b, st.binary(max_size=200))),
)
def test_any_upload_gives_a_preview(filename, data):
    preview = import_preview(filename, data)
    assert preview.may_proceed == (not preview.problems and bool(preview.rows))
    assert len(preview.filename) <= 40 and all(problem.message for problem in preview.problems)
