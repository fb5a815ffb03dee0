"""The lectures API: `GET /api/v1/lectures` and `/api/v1/lectures/<id>` (seats left), and a person's
registration, `POST` / `DELETE /api/v1/lectures/<id>/registration`, with a bearer token like the shop API.

The blueprint reads only the `Authorization: Bearer …` header, never the session cookie, so it is
CSRF-exempt; errors come in the API's one shape, {"error": {"code", "message", "fields"}}. The meeting
link is never in any answer: registered people get it from the lecture page.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from campaigns.lectures import listing, seats, services
from campaigns.lectures.display import lecture_abstract, lecture_title, series_title
from campaigns.lectures.models import Lecture
from marketplace.api.edge import register_json_errors, use_language
from marketplace.api.schemas import (
    BOOLEAN,
    ERROR,
    INSTANT,
    INTEGER,
    SECURED,
    STRING,
    array,
    json_response,
    nullable,
    obj,
)
from marketplace.api.tokens import token_user
from marketplace.core import clock
from marketplace.extensions import db

bp = Blueprint("lectures_api", __name__, url_prefix="/api/v1/lectures")
register_json_errors(bp)


def _iso(value) -> str | None:
    return clock.to_utc(value).isoformat().replace("+00:00", "Z") if value is not None else None


def _lecture(lecture_id: int) -> Lecture:
    seats.settle(lecture_id)
    return services.get_lecture(lecture_id)


def _summary(lecture: Lecture, language: str) -> dict:
    title = lecture_title(lecture, language)
    over = lecture.ends_at <= clock.now()
    return {
        "id": lecture.id, "title": title.text, "title_language": title.language,
        "series": ({"id": lecture.series_id, "title": series_title(lecture.series, language).text}
                   if lecture.series else None),
        "starts_at": _iso(lecture.starts_at), "ends_at": _iso(lecture.ends_at), "time_zone": lecture.time_zone,
        "duration_minutes": lecture.duration_minutes, "spoken_language": lecture.spoken_language,
        "interpretation_languages": lecture.interpretations, "audience": lecture.audience.value,
        "status": lecture.status.value, "capacity": lecture.capacity, "seats_left": lecture.seats_left,
        "limited": listing.seats_are_limited(lecture),
        "recording_url": lecture.recording_url if over and lecture.recording_url else None,
    }


def _registration_json(lecture: Lecture, user) -> dict | None:
    place = seats.place_of(lecture.id, user)
    if place is None:
        return None
    return {"status": place.status.value, "waiting_ahead": place.ahead, "hold_until": _iso(place.deadline)}


@bp.get("")
def list_lectures() -> ResponseReturnValue:
    """Upcoming lectures (soonest first) and past ones with recordings, filtered like the page."""
    language = use_language(request.args.get("lang"))
    filters = listing.Filters.from_args(request.args)
    return jsonify(upcoming=[_summary(lecture, language) for lecture in listing.upcoming(filters)],
                   past=[_summary(lecture, language) for lecture in listing.past_with_recordings(filters)],
                   now=_iso(clock.now()))


@bp.get("/<int:lecture_id>")
def lecture_detail(lecture_id: int) -> ResponseReturnValue:
    """One lecture with its abstract, speakers and seats left (404 when there is none)."""
    language = use_language(request.args.get("lang"))
    lecture = _lecture(lecture_id)
    abstract = lecture_abstract(lecture, language)
    return jsonify(lecture=dict(_summary(lecture, language), abstract=abstract.text,
                                speakers=[{"name": s.name, "role": s.role, "bio": s.bio} for s in lecture.speakers]),
                   now=_iso(clock.now()))


@bp.post("/<int:lecture_id>/registration")
def register(lecture_id: int) -> ResponseReturnValue:
    """Take a seat or a place on the waiting list for the token's user: 201 with the place, 409 when the
    lecture is cancelled or has started, 403 for a shopper at a vendors' lecture."""
    user = token_user()
    language = use_language(request.args.get("lang") or user.preferred_language)
    lecture = _lecture(lecture_id)
    seats.register(lecture.id, user, language)
    db.session.expire_all()
    lecture = services.get_lecture(lecture_id)
    return jsonify(registration=_registration_json(lecture, user), lecture=_summary(lecture, language)), 201


@bp.delete("/<int:lecture_id>/registration")
def cancel(lecture_id: int) -> ResponseReturnValue:
    """Give up the token's user's seat or place on the waiting list: 200, or 409 when they hold none."""
    user = token_user()
    language = use_language(request.args.get("lang") or user.preferred_language)
    lecture = _lecture(lecture_id)
    seats.cancel(lecture.id, user)
    db.session.expire_all()
    lecture = services.get_lecture(lecture_id)
    return jsonify(registration=None, lecture=_summary(lecture, language))


LECTURE_ID = {"name": "lecture_id", "in": "path", "required": True, "schema": {"type": "integer"}}
LANG = {"name": "lang", "in": "query", "description": "Language of titles and messages (default: Accept-Language, "
        "else en)", "schema": {"type": "string", "enum": ["en", "fr", "ar", "pt", "sw", "zh"]}}
SUMMARY = obj({
    "id": INTEGER, "title": STRING, "title_language": STRING, "series": nullable(obj({"id": INTEGER, "title": STRING})),
    "starts_at": INSTANT, "ends_at": INSTANT, "time_zone": STRING, "duration_minutes": INTEGER,
    "spoken_language": STRING, "interpretation_languages": array(STRING), "audience": STRING, "status": STRING,
    "capacity": INTEGER, "seats_left": INTEGER, "limited": BOOLEAN, "recording_url": nullable(STRING),
})
DETAIL = {**SUMMARY, "properties": {**SUMMARY["properties"], "abstract": STRING,
                                    "speakers": array(obj({"name": STRING, "role": STRING, "bio": STRING}))}}
DETAIL["required"] = list(DETAIL["properties"])
REGISTRATION = obj({"status": STRING, "waiting_ahead": INTEGER, "hold_until": nullable(INSTANT)})
OPENAPI_PATHS = {
    "/lectures": {"get": {
        "summary": "Upcoming lectures (soonest first) and past ones with recordings",
        "parameters": [LANG, {"name": "series", "in": "query", "schema": {"type": "integer"}},
                       {"name": "language", "in": "query", "schema": {"type": "string"}},
                       {"name": "audience", "in": "query", "schema": {"type": "string",
                                                                      "enum": ["everyone", "vendors"]}}],
        "responses": {"200": json_response("Lectures with seats left", obj({
            "upcoming": array(SUMMARY), "past": array(SUMMARY), "now": INSTANT})), "400": ERROR, "422": ERROR},
    }},
    "/lectures/{lecture_id}": {"get": {
        "summary": "A lecture with its abstract, speakers and seats left",
        "parameters": [LECTURE_ID, LANG],
        "responses": {"200": json_response("The lecture", obj({"lecture": DETAIL, "now": INSTANT})), "404": ERROR,
                      "422": ERROR},
    }},
    "/lectures/{lecture_id}/registration": {
        "post": {
            "summary": "Register the token's user: a seat, or a place on the waiting list when full",
            "security": SECURED, "parameters": [LECTURE_ID, LANG],
            "responses": {"201": json_response("The person's place (registered or waiting)", obj({
                "registration": REGISTRATION, "lecture": SUMMARY})),
                "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR},
        },
        "delete": {
            "summary": "Give up the token's user's seat or place on the waiting list",
            "security": SECURED, "parameters": [LECTURE_ID, LANG],
            "responses": {"200": json_response("Cancelled", obj({"registration": {"type": "null"},
                                                                 "lecture": SUMMARY})),
                          "401": ERROR, "404": ERROR, "409": ERROR},
        },
    },
}
