"""The rule-based short-drama classifier."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.short_drama import Classification, classify_app


def test_catalog_app_is_catalog_whatever_its_listing():
    c = classify_app("ReelShort - Short Movie & TV", "Crazy Maple Studio", "Entertainment", None, catalog_match=True)
    assert c == Classification(True, "catalog", "in catalog")
    assert classify_app("Anything", None, "Games", None, catalog_match=True).status == "catalog"


def test_candidate_reason_lists_signals_per_field():
    c = classify_app("DramaWave - Dramas & Shorts", None, "Entertainment",
                     "Watch short dramas with new episodes daily.", catalog_match=False)
    assert (c.is_short_drama, c.status) == (True, "candidate")
    assert c.reason == "name matches 'drama', 'short'; description matches 'short drama', 'episodes'"


@pytest.mark.parametrize(
    ("name", "publisher", "genre", "description", "signal"),
    [
        ("GoodShort - Movies & Dramas", "NEW READING HOLDINGS LIMITED", "Entertainment",
         "Mini series and micro dramas you can finish on a coffee break.", "'micro drama'"),
        ("FlexTV - Dramas & Movies", None, "Entertainment", "The best short-drama app.", "'short drama'"),
        ("Kalos TV", None, "Entertainment", "Binge-worthy mini-series, new every day.", "'mini series'"),
        ("Vela", None, None, "Vertical dramas made for your phone.", "'vertical drama'"),
        ("红果免费短剧", None, None, None, "'短剧'"),
        ("星芒剧场", None, "娱乐", "海量微短剧每日更新", "'短剧'"),
        ("MoboReels", None, "Entertainment", "Watch the best drama series for free.", "'reel'"),
        ("Melolo - Dramas & Reels", None, "Entertainment", None, "'drama'"),
        ("TopShort", None, "Entretenimiento", "Drama en episodios cortos.", "'drama'"),
        ("Reelify", None, "Entertainment", "Drama reels every day.", "'drama reels'"),
    ],
)
def test_candidates(name, publisher, genre, description, signal):
    c = classify_app(name, publisher, genre, description, catalog_match=False)
    assert (c.is_short_drama, c.status) == (True, "candidate"), c.reason
    assert signal in c.reason


@pytest.mark.parametrize(
    ("name", "publisher", "genre", "description", "why"),
    [
        ("Netflix", "Netflix, Inc.", "Entertainment",
         "Award-winning series, dramas and documentaries, with new episodes every week.", "'Netflix'"),
        ("TikTok - Videos, Shop & LIVE", "TikTok Ltd.", "Entertainment",
         "Short-form videos are exciting: comedy, drama, gaming and more. Watch short dramas too.", "'TikTok'"),
        ("YouTube: Watch, Listen, Stream", "Google", "Photo & Video", "Shorts, series, episodes.", "'Photo & Video'"),
        ("YouTube: Watch, Listen, Stream", "Google", None, "Drama shorts and reels.", "'YouTube'"),
        ("Drama Queen Dress Up", "Fun Girl Games", "Games", "Dress up for the drama episodes!", "'Games'"),
        ("Drama Queen Dress Up", None, "Entertainment", "Dress up and be fabulous.", "too weak"),
        ("Disney+", "Disney", "Entertainment", "Movies, series and short films.", "'Disney+'"),
        ("Dramatic Photo Effects", None, "Entertainment", "Shortcuts for reelection posters.", "no short-drama"),
        ("Spotify: Music and Podcasts", "Spotify", "Music", None, "'Music'"),
        ("Melodrama Radio", None, "Entertainment", "Series of shows.", "too weak"),
    ],
)
def test_not_short_drama(name, publisher, genre, description, why):
    c = classify_app(name, publisher, genre, description, catalog_match=False)
    assert (c.is_short_drama, c.status) == (False, "other"), c.reason
    assert why in c.reason


def test_drama_and_format_only_in_description_is_not_enough():
    # Long-form streaming listings say "dramas ... episodes" too; the name must carry one of them.
    c = classify_app("StreamHub", None, "Entertainment", "Korean dramas with new episodes weekly.",
                     catalog_match=False)
    assert c.status == "other"
    assert c.reason.startswith("signals too weak: description matches 'drama', 'episodes'")


def test_classification_is_frozen():
    c = classify_app("X", None, None, None, catalog_match=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.status = "candidate"  # type: ignore[misc]


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(), st.none() | st.text(), st.none() | st.text(), st.none() | st.text(), st.booleans())
def test_any_text_classifies_consistently(name, publisher, genre, description, catalog):
    c = classify_app(name, publisher, genre, description, catalog_match=catalog)
    assert c.status in ("catalog", "candidate", "pending", "other")
    assert c.is_short_drama == (c.status in ("catalog", "candidate"))
    assert (c.status == "catalog") == catalog
    assert c.reason


@pytest.mark.parametrize(
    ("name", "genre"),
    [("PineDrama", "Entertainment"), ("ReelShort - Short Movie & TV", None), ("Kuku TV - Dramas", "Entertainment")],
)
def test_one_kind_of_word_in_the_name_without_description_is_pending(name, genre):
    c = classify_app(name, None, genre, None, catalog_match=False)
    assert (c.is_short_drama, c.status) == (False, "pending"), c.reason
    assert c.evidence and all(field == "name" for field, _ in c.evidence)


def test_description_confirms_or_clears_a_pending_name():
    confirmed = classify_app("PineDrama", "TikTok Ltd.", "Entertainment",
                             "New short dramas every day, one-minute episodes.", catalog_match=False)
    assert confirmed.status == "candidate"  # the publisher is a platform; the name is not
    assert ("description", "short drama") in confirmed.evidence
    cleared = classify_app("Drama Queen", None, "Entertainment", "Dress up and style outfits.", catalog_match=False)
    assert cleared.status == "other"


@pytest.mark.parametrize(
    ("name", "description", "why"),
    [
        ("Video & Drama Player", "Play every format: drama episodes, shorts, reels.", "video player"),
        ("DramaNovel - Read Drama Stories", "Read drama novels and short drama stories.", "reading"),
        ("Pocket FM: Audio Series", "Audio series with new episodes daily, short drama stories.", "audio"),
        ("AI Drama Chat", "Role-play short drama scenes with AI.", "AI chat"),
        ("Drama Reels Rewards: Earn Cash", "Watch short dramas, earn rewards.", "rewards"),
        ("Dramacool - Asian Drama", "Full Korean dramas, all episodes with subtitles.", "full-length"),
    ],
)
def test_near_misses_are_other(name, description, why):
    c = classify_app(name, None, "Entertainment", description, catalog_match=False)
    assert c.status == "other", c.reason
    assert why in c.reason


@pytest.mark.parametrize("name", ["숏챠 - 숏폼 드라마", "BUMP ショートドラマ", "Drama Pendek Seru", "星芽短剧"])
def test_asian_storefront_phrases(name):
    assert classify_app(name, None, None, None, catalog_match=False).status == "candidate"
