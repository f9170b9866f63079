"""config/storage.py: production's static storage links the hashed files, and remembers
each answer."""

import json

import pytest
from django.test import override_settings

from config.storage import ManifestStaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    """A storage over a collected tree of one file (its manifest written by hand)."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "portal.0123456789ab.css").write_text("body {}")
    manifest = {"paths": {"css/portal.css": "css/portal.0123456789ab.css"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return ManifestStaticFilesStorage(location=str(tmp_path), base_url="/static/")


@override_settings(DEBUG=False)
def test_a_url_is_the_hashed_one_and_is_remembered(storage, monkeypatch):
    assert storage.url("css/portal.css") == "/static/css/portal.0123456789ab.css"
    monkeypatch.setattr(storage, "stored_name", lambda name: "not/asked.css")
    assert storage.url("css/portal.css") == "/static/css/portal.0123456789ab.css"


@override_settings(DEBUG=False)
def test_a_missing_file_is_refused_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError):
            storage.url("css/no-such-file.css")


@override_settings(DEBUG=True)
def test_with_debug_on_the_unhashed_file_is_linked_as_by_django(storage):
    assert storage.url("css/portal.css") == "/static/css/portal.css"
