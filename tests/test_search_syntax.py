"""CKAN/Solr query syntax: what parses, into what, and what is a Search Query Error."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.errors import SearchQueryError
from portal.search.syntax import All, And, Match, Not, Or, Phrase, Range, Text, parse


def test_words_are_anded():
    assert parse("公交 线路") == And((Text("公交"), Text("线路")))


def test_or_and_not_and_grouping():
    assert parse("organization:transport AND (学校 OR 医院) NOT 草稿") == And(
        (
            Match("organization", "transport"),
            Or((Text("学校"), Text("医院"))),
            Not(Text("草稿")),
        )
    )


def test_minus_and_plus_prefixes():
    assert parse("+tags:公交 -res_format:pdf") == And(
        (Match("tags", "公交"), Not(Match("res_format", "PDF")))
    )


def test_quoted_values_and_phrases():
    assert parse('tags:"air quality"') == Match("tags", "air quality")
    assert parse('"bus routes"') == Phrase("bus routes")


def test_text_fields_restrict_where_words_are_searched():
    assert parse("title:公交") == Text("公交", ("title_text",))


def test_date_ranges_with_open_ends():
    assert parse("metadata_modified:[2024-01-01T00:00:00Z TO *]") == Range(
        "metadata_modified", datetime(2024, 1, 1), None, True, True
    )


def test_empty_and_match_all():
    assert parse("") == All()
    assert parse("*:*") == All()


@pytest.mark.parametrize(
    "query",
    [
        "(公交",
        "公交)",
        "unknown_field:x",
        "metadata_modified:[yesterday TO *]",
        "tags:[a TO b]",
        '"unterminated',
        "AND",
        "x" * 2001,
        " ".join(["a"] * 100),
    ],
)
def test_malformed_queries_are_search_query_errors(query):
    with pytest.raises(SearchQueryError):
        parse(query)
