"""The analyzer: Chinese segmentation in search mode, folding, stemming, the glossary."""

from __future__ import annotations

from portal.search.text import index_tokens, query_groups


def test_compound_words_are_indexed_with_their_parts():
    tokens = index_tokens("全省公交线路及站点信息")
    assert {"公交", "线路", "公交线路", "站点"} <= set(tokens)


def test_latin_text_is_lowercased_folded_and_stemmed():
    assert index_tokens("Bus Routes, Café ＡＢＣ") == ["bus", "route", "cafe", "abc"]


def test_punctuation_and_spaces_are_not_tokens():
    tokens = index_tokens("空气质量，（日报）！ ")
    assert {"空气", "质量", "空气质量", "日报"} <= set(tokens)
    assert not {"，", "（", "）", "！", " "} & set(tokens)


def test_a_compound_query_accepts_the_word_or_all_its_parts():
    assert query_groups("公交线路") == [[["公交线路"], ["公交", "线路"]]]


def test_each_query_word_is_a_group_that_must_match():
    groups = query_groups("学校 名单")
    assert [alternatives[0] for alternatives in groups] == [["学校"], ["名单"]]


def test_glossary_maps_english_to_chinese_and_back():
    assert ["公交"] in query_groups("bus")[0]
    assert ["budget"] in query_groups("预算")[0]
    assert ["air", "quality"] in query_groups("空气质量")[0]


def test_government_terms_from_the_custom_dictionary_stay_whole():
    assert "住房公积金" in index_tokens("住房公积金缴存人数")
