"""The sample capture's reuse: ``make demo`` keeps a capture made from the same inputs and regenerates it when
anything it depends on changes; the background generation writes what the in-process one writes."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date

import pytest

from dramatrack.settings import Settings
from sample_data.generate_capture import (
    MANIFEST,
    CaptureError,
    capture_key,
    generate,
    reusable,
    start_capture,
)

DAY = date(2026, 11, 1)
COUNTRIES = ["us", "mx"]


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data", countries=COUNTRIES, play_chart_count=20)


def _warc_text(path) -> str:
    """A WARC file's records without their random record ids (everything else is deterministic)."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
    return re.sub(r"WARC-Record-ID: <urn:uuid:[0-9a-f-]+>", "WARC-Record-ID: <id>", text)


def test_key_covers_the_arguments_and_the_settings(settings):
    key = capture_key(DAY, 2, COUNTRIES, plant_defect=("mx", 1), settings=settings)
    assert key == capture_key(DAY, 2, COUNTRIES, plant_defect=("mx", 1), settings=settings)
    assert key == capture_key(DAY, 2, COUNTRIES, plant_defect=("mx", 1),
                              settings=settings.model_copy(update={"data_dir": settings.data_dir / "elsewhere"}))
    others = [
        capture_key(DAY, 3, COUNTRIES, plant_defect=("mx", 1), settings=settings),
        capture_key(DAY, 2, ["us"], plant_defect=("mx", 1), settings=settings),
        capture_key(DAY, 2, COUNTRIES, plant_defect=None, settings=settings),
        capture_key(date(2026, 11, 2), 2, COUNTRIES, plant_defect=("mx", 1), settings=settings),
        capture_key(DAY, 2, COUNTRIES, plant_defect=("mx", 1),
                    settings=settings.model_copy(update={"play_chart_count": 30})),
        capture_key(DAY, 2, COUNTRIES, plant_defect=("mx", 1), settings=settings, sources=("app_store",)),
    ]
    assert key not in others and len(set(others)) == len(others)


def test_a_capture_is_reused_until_its_inputs_or_files_change(tmp_path, settings):
    out = tmp_path / "capture"
    kwargs = {"plant_defect": ("mx", 0), "settings": settings}
    assert not reusable(out, capture_key(DAY, 1, COUNTRIES, **kwargs))
    paths = generate(out, DAY, 1, COUNTRIES, **kwargs)
    key = capture_key(DAY, 1, COUNTRIES, **kwargs)
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["key"] == key
    assert {p.relative_to(out).as_posix() for p in paths} <= set(manifest["files"])
    assert reusable(out, key)
    assert not reusable(out, capture_key(DAY, 1, COUNTRIES, settings=settings))  # another defect

    job = start_capture(out, DAY, 1, COUNTRIES, **kwargs)
    assert job.reused
    job.wait_for(DAY)
    job.finish()

    warc = paths[0]
    warc.write_bytes(warc.read_bytes()[:-10])  # a damaged (or edited) file: regenerated
    assert not reusable(out, key)
    job = start_capture(out, DAY, 1, COUNTRIES, background=False, **kwargs)
    assert not job.reused and reusable(out, key)

    (out / MANIFEST).unlink()  # an interrupted generation leaves no manifest
    assert not reusable(out, key)


def test_background_generation_writes_what_generate_writes(tmp_path, settings):
    days = 2
    kwargs = {"plant_defect": ("us", 1), "settings": settings}
    expected = generate(tmp_path / "inline", DAY, days, COUNTRIES, **kwargs)

    out = tmp_path / "background"
    job = start_capture(out, DAY, days, COUNTRIES, **kwargs)
    assert not job.reused
    job.wait_for(DAY)
    assert (out / "app_store" / DAY.isoformat() / "mx.warc.gz").is_file()  # the first day is complete
    job.finish()
    assert reusable(out, capture_key(DAY, days, COUNTRIES, **kwargs))
    for path in expected:
        relative = path.relative_to(tmp_path / "inline")
        assert _warc_text(out / relative) == _warc_text(path), relative


def test_a_failed_background_generation_is_reported(tmp_path, settings):
    out = tmp_path / "capture"
    out.mkdir()
    (out / "app_store").write_text("a file where the generator needs a folder")
    job = start_capture(out, DAY, 1, COUNTRIES, settings=settings)
    with pytest.raises(CaptureError, match="generating the sample capture"):
        job.wait_for(DAY)
