"""Helpers for posting the staff festival form the way a browser does (local times, one field per slot)."""
from __future__ import annotations

import io
from pathlib import Path

from flask import current_app

from campaigns.festivals.models import Festival
from campaigns.festivals.scheduling import utc_to_local


def local_field(instant, zone: str) -> str:
    """`instant` as the datetime-local value staff see in `zone`."""
    return utc_to_local(instant, zone).strftime("%Y-%m-%dT%H:%M")


def form_fields(festival: Festival, **changes) -> dict:
    """The edit form exactly as the page fills it for `festival`, with `changes` applied."""
    zone = festival.time_zone
    data = {
        "original_language": festival.original_language, "time_zone": zone,
        "slug": festival.slug, "country_code": festival.country_code or "",
        "registration_opens": local_field(festival.registration_opens_at, zone),
        "registration_closes": local_field(festival.registration_closes_at, zone),
        "warmup_starts": local_field(festival.warmup_starts_at, zone),
    }
    for text in festival.texts:
        data[f"name_{text.language}"], data[f"description_{text.language}"] = text.name, text.description
        data[f"theme_{text.language}"] = text.theme
    for index, wave in enumerate(sorted(festival.waves, key=lambda w: w.starts_at)):
        data[f"wave_{index}_id"] = str(wave.id)
        data[f"wave_{index}_starts"] = local_field(wave.starts_at, zone)
        data[f"wave_{index}_ends"] = local_field(wave.ends_at, zone)
    data.update(changes)
    return data


def upload(body: bytes, name: str = "banner.jpg") -> tuple[io.BytesIO, str]:
    """A file part for the test client's multipart body."""
    return io.BytesIO(body), name


def media_files() -> set[str]:
    """Names of every file in the image store's folder (renditions of all tests so far)."""
    return {path.name for path in Path(current_app.config["MEDIA_ROOT"]).rglob("*") if path.is_file()}
