"""`GET /api/v1/festivals` and `GET /api/v1/festivals/<slug>`: festivals, waves, deals and caps left.

A separate, GET-only blueprint under the core API's prefix (campaigns may not be imported by
marketplace), answering errors in the same JSON shape: {"error": {"code", "message", "fields"}}.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from campaigns.festivals import display, phases, services
from campaigns.festivals.models import BannerImage, Festival
from campaigns.festivals.phases import SHOPPER_VISIBLE
from marketplace.api.edge import register_json_errors
from marketplace.api.money import MONEY, OPTIONAL_MONEY, money_json
from marketplace.api.schemas import BOOLEAN, ERROR, INSTANT, INTEGER, STRING, array, json_response, nullable, obj
from marketplace.core import clock
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, reading_order
from marketplace.media import get_image_store
from marketplace.media.pipeline import rendition_name

bp = Blueprint("festivals_api", __name__, url_prefix="/api/v1/festivals")
register_json_errors(bp)
STATUSES = ("live", "upcoming", "past")


def _iso(value) -> str | None:
    return clock.to_utc(value).isoformat().replace("+00:00", "Z") if value is not None else None


def _language() -> str:
    lang = request.args.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _rendition(image: BannerImage, width: int, ext: str) -> dict:
    return {"url": get_image_store().url(rendition_name(image.key, width, ext)), "width": width,
            "height": round(image.height * width / image.width),
            "type": "image/webp" if ext == "webp" else "image/jpeg"}


def _banner(festival: Festival, alt: str) -> dict | None:
    """The banner's WebP renditions by width and its JPEG fallback (URLs as the image store gives them)."""
    image = festival.banner
    if image is None:
        return None
    return {"alt": alt, "width": image.width, "height": image.height,
            "renditions": [_rendition(image, width, "webp") for width in image.widths],
            "fallback": _rendition(image, image.fallback_width, "jpg")}


def _summary(festival: Festival, language: str, now) -> dict:
    name = display.festival_name(festival, reading_order(language))
    theme = display.festival_theme(festival, reading_order(language))
    return {
        "slug": festival.slug, "name": name.text, "name_language": name.language,
        "theme": theme.text, "theme_language": theme.language if theme.text else None,
        "banner": _banner(festival, name.text),
        "country": festival.country_code, "time_zone": festival.time_zone,
        "phase": phases.phase_at(festival, now).value, "starts_at": _iso(festival.starts_at),
        "ends_at": _iso(festival.ends_at), "next_change_at": _iso(phases.next_boundary(festival, now)),
    }


@bp.get("")
def list_festivals():
    """Festivals shoppers can see, by `status` (live, upcoming or past; all three when absent)."""
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        message = _("status must be one of: live, upcoming, past.")
        raise ValidationError(message, {"status": message})
    now = clock.now()
    groups = services.festivals_by_status(now)
    language = _language()
    wanted = [status] if status else list(STATUSES)
    items = [dict(_summary(f, language, now), status=key) for key in wanted for f in groups[key]]
    return jsonify(items=items, now=_iso(now))


@bp.get("/<slug>")
def festival_detail(slug: str):
    """One festival with its waves and deals: festival price only while live, and units left."""
    festival = services.get_festival(slug)
    now = clock.now()
    if phases.phase_at(festival, now) not in SHOPPER_VISIBLE:
        raise NotFound(_("No such festival."))
    language = _language()
    cards = display.deal_cards(festival, None, reading_order(language), now)
    by_wave: dict[int, list[dict]] = {}
    for card in cards:
        by_wave.setdefault(card.wave_number, []).append({
            "id": card.deal_id, "product": card.product_slug, "name": card.name.text,
            "regular_price": money_json(card.regular, language),
            "festival_price": money_json(card.festival_price, language),
            "cap": card.cap, "left": card.left, "sold_out": card.sold_out,
            "kind": "experience" if card.experience else "goods",
        })
    waves = [{"number": i + 1, "starts_at": _iso(w.starts_at), "ends_at": _iso(w.ends_at),
              "open": phases.deal_is_live(festival, w, now), "deals": by_wave.get(i + 1, [])}
             for i, w in enumerate(sorted(festival.waves, key=lambda w: clock.to_utc(w.starts_at)))]
    return jsonify(festival=dict(_summary(festival, language, now), waves=waves), now=_iso(now))


LANG = {"name": "lang", "in": "query", "description": "Language of names and formatted amounts (en when absent "
        "or unknown; the Accept-Language header orders the fallbacks)",
        "schema": {"type": "string", "enum": ["en", "fr", "ar", "pt", "sw", "zh"]}}
RENDITION = obj({"url": STRING, "width": INTEGER, "height": INTEGER, "type": STRING})
SUMMARY = {
    "slug": STRING, "name": STRING, "name_language": STRING, "theme": STRING, "theme_language": nullable(STRING),
    "banner": nullable(obj({"alt": STRING, "width": INTEGER, "height": INTEGER, "renditions": array(RENDITION),
                            "fallback": RENDITION})),
    "country": nullable(STRING), "time_zone": STRING, "phase": STRING, "starts_at": nullable(INSTANT),
    "ends_at": nullable(INSTANT), "next_change_at": nullable(INSTANT),
}
DEAL = obj({
    "id": INTEGER, "product": {"type": "string", "description": "The product's slug"}, "name": STRING,
    "regular_price": MONEY,
    "festival_price": {**OPTIONAL_MONEY, "description": "Only while the deal is live and has units left"},
    "cap": INTEGER, "left": INTEGER, "sold_out": BOOLEAN,
    "kind": {"type": "string", "enum": ["goods", "experience"], "description": "experience: booked by date on "
             "its own page; `cap` and `left` count the seats of each date at the festival price"},
})
WAVE = obj({"number": INTEGER, "starts_at": INSTANT, "ends_at": INSTANT, "open": BOOLEAN, "deals": array(DEAL)})
OPENAPI_PATHS = {
    "/festivals": {"get": {
        "summary": "Festivals by status, with the server's now",
        "description": "Each festival's `banner` is null or its 3:1 picture: WebP `renditions` by width and "
                       "a JPEG `fallback`, each with url, width, height and type.",
        "parameters": [{"name": "status", "in": "query", "schema": {"type": "string",
                                                                    "enum": ["live", "upcoming", "past"]}}, LANG],
        "responses": {"200": json_response("Festivals", obj({
            "items": array(obj({**SUMMARY, "status": {"type": "string", "enum": list(STATUSES)}})),
            "now": INSTANT})), "422": ERROR},
    }},
    "/festivals/{slug}": {"get": {
        "summary": "A festival with its waves, deals, units left and the server's now",
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": STRING}, LANG],
        "responses": {"200": json_response("The festival", obj({
            "festival": obj({**SUMMARY, "waves": array(WAVE)}), "now": INSTANT})), "404": ERROR},
    }},
}
