"""Festival scheduling by campaign staff: create, edit, pause, resume and extend; and shopper reads.

Staff type local times with a named zone; everything is stored as UTC. Every operation validates
the whole input first and writes in one transaction, so a refusal changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from campaigns.festivals import banners, phases
from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
from campaigns.festivals.phases import Phase
from campaigns.festivals.scheduling import get_zone, local_to_utc
from marketplace.accounts.models import User
from marketplace.catalog.models import Country
from marketplace.catalog.services import slugify
from marketplace.core import clock
from marketplace.core.clock import to_utc
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.i18n import LANGUAGES
from marketplace.extensions import db
from marketplace.media.pipeline import ProcessedImage

ACTIVE_DEAL_STATES = (DealStatus.PROPOSED, DealStatus.APPROVED)
MAX_WAVES = 6
T = TypeVar("T")


@dataclass
class WaveInput:
    starts_local: datetime | None  # wall-clock time in the festival's zone, naive
    ends_local: datetime | None
    wave_id: int | None = None  # the festival's wave this input changes; None: a new wave


@dataclass
class FestivalInput:
    names: dict[str, str]
    time_zone: str
    registration_opens: datetime | None
    registration_closes: datetime | None
    warmup_starts: datetime | None
    waves: list[WaveInput]
    descriptions: dict[str, str] = field(default_factory=dict)
    themes: dict[str, str] = field(default_factory=dict)
    country_code: str | None = None
    banner: bytes | None = None  # a newly uploaded banner picture, checked by content
    remove_banner: bool = False
    original_language: str = "en"
    slug: str = ""
    entrants_must_be_ready: bool = False  # only festival-ready stores may enter products (entry_rules.py)
    free_shipping: bool = False  # deals ship free (free_shipping.py)


@dataclass(frozen=True)
class Schedule:
    registration_opens_at: datetime
    registration_closes_at: datetime
    warmup_starts_at: datetime
    waves: list[phases.Window]
    wave_inputs: list[int]  # for each window (in start order), its position in the input: errors name that field


def require_staff(user: User) -> None:
    """PermissionDenied unless `user` is campaign staff."""
    if not user.is_staff:
        raise PermissionDenied(_("Only campaign staff can schedule festivals."))


def _schedule(data: FestivalInput, now: datetime, creating: bool) -> Schedule:
    """The input's instants in UTC; ValidationError listing every bad field."""
    errors: dict[str, str] = {}
    try:
        get_zone(data.time_zone)
    except ValidationError as exc:
        raise ValidationError(exc.message, exc.fields) from exc

    def instant(value: datetime | None, name: str) -> datetime | None:
        if value is None:
            errors[name] = _("Enter a date and time.")
            return None
        try:
            return local_to_utc(value, data.time_zone, name)
        except ValidationError as exc:
            errors.update(exc.fields)
            return None

    opens = instant(data.registration_opens, "registration_opens")
    closes = instant(data.registration_closes, "registration_closes")
    warmup = instant(data.warmup_starts, "warmup_starts")
    windows: list[tuple[phases.Window, int]] = []
    if not data.waves:
        errors["waves"] = _("A festival needs at least one wave.")
    if len(data.waves) > MAX_WAVES:
        errors["waves"] = _("A festival has at most %(count)d waves.", count=MAX_WAVES)
    for index, wave in enumerate(data.waves):
        starts = instant(wave.starts_local, f"wave_{index}_starts")
        ends = instant(wave.ends_local, f"wave_{index}_ends")
        if starts and ends:
            if ends <= starts:
                errors[f"wave_{index}_ends"] = _("A wave must end after it starts.")
            else:
                windows.append((phases.Window(starts, ends), index))
    windows.sort(key=lambda pair: pair[0].starts_at)
    for (earlier, _earlier_index), (later, later_index) in zip(windows, windows[1:], strict=False):
        if later.starts_at < earlier.ends_at:
            errors["waves"] = _("Waves must not overlap: one starts before the previous one ends.")
            errors.setdefault(f"wave_{later_index}_starts", _("This wave starts before the previous wave ends."))
    first = windows[0][0] if windows else None
    first_field = f"wave_{windows[0][1]}_starts" if windows else "wave_0_starts"
    if opens and closes and closes <= opens:
        errors["registration_closes"] = _("Registration must close after it opens.")
    if closes and warmup and warmup < closes:
        errors["warmup_starts"] = _("The warm-up starts after registration closes (curation lies between).")
    if warmup and first and first.starts_at < warmup:
        errors[first_field] = _("The first wave starts after the warm-up begins.")
    if creating:
        for name, value in (("registration_closes", closes), ("warmup_starts", warmup)):
            if value and value < now and name not in errors:
                errors[name] = _("This time is in the past.")
        if first and first.starts_at < now:
            errors.setdefault(first_field, _("This time is in the past."))
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    return Schedule(opens, closes, warmup, [w for w, _i in windows], [i for _w, i in windows])


def _texts(data: FestivalInput) -> list[FestivalText]:
    names = {k: (v or "").strip() for k, v in data.names.items() if k in LANGUAGES and (v or "").strip()}
    if data.original_language not in names:
        message = _("Give the festival a name in its original language.")
        raise ValidationError(message, {f"name_{data.original_language}": message})
    for code, name in names.items():
        if len(name) > 120:
            raise ValidationError(_("A name has at most 120 characters."), {f"name_{code}": _("Too long.")})
    themes = {k: (v or "").strip() for k, v in data.themes.items() if k in LANGUAGES and (v or "").strip()}
    for code, theme in themes.items():
        if len(theme) > 80:
            raise ValidationError(_("A theme has at most 80 characters."), {f"theme_{code}": _("Too long.")})
        if code not in names:
            message = _("Give the festival a name in this language too, or leave its theme empty.")
            raise ValidationError(message, {f"theme_{code}": message})
    return [FestivalText(language=code, name=name, description=(data.descriptions.get(code) or "").strip(),
                         theme=themes.get(code, "")) for code, name in names.items()]


def _check_details(data: FestivalInput) -> None:
    if data.country_code and db.session.get(Country, data.country_code) is None:
        raise ValidationError(_("Choose an African country or none."), {"country_code": _("Unknown country.")})


def _new_banner(data: FestivalInput) -> ProcessedImage | None:
    banners.check_choice(data.banner, data.remove_banner)
    return banners.prepare_banner(data.banner) if data.banner is not None else None


def _validated(data: FestivalInput, now: datetime, creating: bool
               ) -> tuple[Schedule, list[FestivalText], ProcessedImage | None]:
    """The checked schedule, texts and new banner; one ValidationError naming every bad field otherwise."""
    problems: list[ValidationError] = []

    def attempt(check: Callable[[], T]) -> T | None:
        try:
            return check()
        except ValidationError as exc:
            problems.append(exc)
            return None

    # Every check runs, so staff see all their mistakes at once (a file input cannot be refilled for them).
    schedule = attempt(lambda: _schedule(data, now, creating))
    texts = attempt(lambda: _texts(data))
    attempt(lambda: _check_details(data))
    banner = attempt(lambda: _new_banner(data))
    if problems:
        fields: dict[str, str] = {}
        for problem in problems:
            for name, message in problem.fields.items():
                fields.setdefault(name, message)
        raise ValidationError(problems[0].message, fields)
    return schedule, texts, banner


def _unique_slug(wanted: str, name: str, festival_id: int | None = None) -> str:
    base = slugify(wanted or name, "festival")[:70]
    slug, number = base, 1
    while True:
        clash = db.session.scalar(select(Festival.id).where(Festival.slug == slug))
        if clash is None or clash == festival_id:
            return slug
        number += 1
        slug = f"{base}-{number}"


def product_overlap(product_id: int, window: phases.Window, exclude_wave_ids: Sequence[int] = ()) -> Deal | None:
    """An active deal of the product in another wave whose window overlaps `window`, if any."""
    query = (
        select(Deal).join(Wave, Deal.wave_id == Wave.id)
        .where(Deal.product_id == product_id, Deal.status.in_(ACTIVE_DEAL_STATES),
               Wave.starts_at < window.ends_at, Wave.ends_at > window.starts_at)
    )
    if exclude_wave_ids:
        query = query.where(Deal.wave_id.not_in(list(exclude_wave_ids)))
    return db.session.scalars(query.limit(1)).first()


def _check_deal_overlaps(wave: Wave, window: phases.Window) -> None:
    for deal in wave.deals:
        if deal.status in ACTIVE_DEAL_STATES and product_overlap(deal.product_id, window, [wave.id]):
            raise Conflict(_("This schedule would put a product on two deals at once (product %(id)d).",
                             id=deal.product_id), {"waves": _("A product would be on two deals at once.")})


def create_festival(staff: User, data: FestivalInput) -> Festival:
    """Schedule a new festival; ValidationError for bad windows, zones, texts or banner (nothing is saved)."""
    require_staff(staff)
    schedule, texts, banner = _validated(data, clock.now(), creating=True)
    festival = Festival(
        slug=_unique_slug(data.slug, data.names.get("en") or texts[0].name),
        country_code=data.country_code or None, time_zone=data.time_zone,
        original_language=data.original_language, registration_opens_at=schedule.registration_opens_at,
        registration_closes_at=schedule.registration_closes_at, warmup_starts_at=schedule.warmup_starts_at,
        created_by_id=staff.id, texts=texts, entrants_must_be_ready=data.entrants_must_be_ready,
        free_shipping=data.free_shipping, waves=[Wave(starts_at=w.starts_at, ends_at=w.ends_at)
                                                 for w in schedule.waves],
    )
    if banner is not None:
        banners.store_banner(banner)
    banners.attach_banner(festival, banner)
    db.session.add(festival)
    db.session.commit()
    return festival


def _unchanged_or_future(old: datetime, new: datetime, now: datetime, name: str, errors: dict[str, str]) -> None:
    old = to_utc(old)
    if old != new and (old <= now or new < now):
        errors[name] = _("Times that have passed cannot change, and none can move into the past.")


def update_festival(staff: User, festival: Festival, data: FestivalInput) -> Festival:
    """Change a festival's texts, banner and schedule; refused (ValidationError, nothing saved) for a bad
    file or when a change would rewrite the past or alter a deal window shoppers have already seen open."""
    require_staff(staff)
    now = clock.now()
    schedule, texts, banner = _validated(data, now, creating=False)
    errors: dict[str, str] = {}
    _unchanged_or_future(festival.registration_opens_at, schedule.registration_opens_at, now,
                         "registration_opens", errors)
    _unchanged_or_future(festival.registration_closes_at, schedule.registration_closes_at, now,
                         "registration_closes", errors)
    _unchanged_or_future(festival.warmup_starts_at, schedule.warmup_starts_at, now, "warmup_starts", errors)
    # Each window changes the wave it names (its deals go with it); a window naming no wave of this
    # festival is a new wave, and waves no window names are removed.
    by_id = {wave.id: wave for wave in festival.waves}
    pairs: list[tuple[Wave | None, phases.Window, int]] = []
    for window, index in zip(schedule.waves, schedule.wave_inputs, strict=True):
        pairs.append((by_id.pop(data.waves[index].wave_id, None), window, index))
    removed = list(by_id.values())
    if any(wave.deals for wave in removed):
        errors["waves"] = _("A wave with deals cannot be removed.")
    if any(to_utc(wave.starts_at) <= now for wave in removed):
        errors["waves"] = _("A wave that has opened cannot be removed.")
    for wave, window, index in pairs:
        if wave is None:
            if window.starts_at < now:
                errors[f"wave_{index}_starts"] = _("This time is in the past.")
            continue
        _unchanged_or_future(wave.starts_at, window.starts_at, now, f"wave_{index}_starts", errors)
        _unchanged_or_future(wave.ends_at, window.ends_at, now, f"wave_{index}_ends", errors)
        if to_utc(wave.starts_at) <= now and window.ends_at < to_utc(wave.ends_at):
            errors[f"wave_{index}_ends"] = _("A wave that has opened cannot end earlier; pause the festival instead.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    for wave, window, _index in pairs:
        if wave is not None:
            _check_deal_overlaps(wave, window)
    festival.slug = _unique_slug(data.slug or festival.slug, "", festival.id)
    festival.country_code = data.country_code or None
    festival.time_zone = data.time_zone
    old_banner = festival.banner
    if banner is not None or data.remove_banner:
        if banner is not None:
            banners.store_banner(banner)
        banners.attach_banner(festival, banner)
    festival.original_language = data.original_language
    festival.entrants_must_be_ready, festival.free_shipping = data.entrants_must_be_ready, data.free_shipping
    festival.registration_opens_at = schedule.registration_opens_at
    festival.registration_closes_at = schedule.registration_closes_at
    festival.warmup_starts_at = schedule.warmup_starts_at
    by_language = {t.language: t for t in festival.texts}
    for text in texts:
        if text.language in by_language:
            kept = by_language[text.language]
            kept.name, kept.description, kept.theme = text.name, text.description, text.theme
        else:
            festival.texts.append(text)
    for language in set(by_language) - {t.language for t in texts}:
        festival.texts.remove(by_language[language])
    for wave, window, _index in pairs:
        if wave is None:
            festival.waves.append(Wave(starts_at=window.starts_at, ends_at=window.ends_at))
        else:
            wave.starts_at, wave.ends_at = window.starts_at, window.ends_at
    for wave in removed:
        festival.waves.remove(wave)
        db.session.delete(wave)
    db.session.commit()
    if old_banner is not None and festival.banner_key != old_banner.key:
        banners.forget_banner(old_banner)
    return festival


def pause_festival(staff: User, festival: Festival) -> None:
    """Stop every deal of a live festival at once; Conflict when it is not live."""
    require_staff(staff)
    now = clock.now()
    if phases.phase_at(festival, now) not in (Phase.LIVE, Phase.INTERVAL):
        raise Conflict(_("Only a live festival can be paused."))
    festival.paused_at = now
    db.session.commit()


def resume_festival(staff: User, festival: Festival) -> None:
    """Put a paused festival's deals back on sale until the end already set; Conflict when not paused."""
    require_staff(staff)
    if phases.phase_at(festival, clock.now()) != Phase.PAUSED:
        raise Conflict(_("Only a paused festival can be resumed."))
    festival.paused_at = None
    db.session.commit()


def extend_festival(staff: User, festival: Festival, new_end_local: datetime) -> None:
    """Move the last wave's end later; ValidationError for a time that is not later, Conflict for a product clash."""
    require_staff(staff)
    now = clock.now()
    if phases.phase_at(festival, now) == Phase.ENDED or not festival.waves:
        raise Conflict(_("An ended festival cannot be extended."))
    new_end = local_to_utc(new_end_local, festival.time_zone, "ends_at")
    last = max(festival.waves, key=lambda w: to_utc(w.ends_at))
    if new_end <= to_utc(last.ends_at) or new_end <= now:
        message = _("The new end must be later than the current end.")
        raise ValidationError(message, {"ends_at": message})
    _check_deal_overlaps(last, phases.Window(to_utc(last.starts_at), new_end))
    last.ends_at = new_end
    db.session.commit()


def get_festival(slug: str) -> Festival:
    """The festival with `slug`; NotFound otherwise."""
    festival = db.session.scalars(
        select(Festival).where(Festival.slug == slug)
        .options(joinedload(Festival.texts), joinedload(Festival.waves))  # one query, not three
    ).unique().first()
    if festival is None:
        raise NotFound(_("No such festival."))
    return festival


def get_festival_by_id(festival_id: int) -> Festival:
    """The festival with `festival_id`; NotFound otherwise."""
    festival = db.session.get(Festival, festival_id)
    if festival is None:
        raise NotFound(_("No such festival."))
    return festival


def all_festivals() -> list[Festival]:
    """Every festival, latest registration first."""
    return list(db.session.scalars(select(Festival).order_by(Festival.registration_opens_at.desc(), Festival.id)))


def festivals_by_status(at: datetime) -> dict[str, list[Festival]]:
    """Shopper-visible festivals grouped as "live", "upcoming" (warm-up) and "past"."""
    groups: dict[str, list[Festival]] = {"live": [], "upcoming": [], "past": []}
    for festival in db.session.scalars(select(Festival).order_by(Festival.warmup_starts_at, Festival.id)):
        phase = phases.phase_at(festival, at)
        if phase in (Phase.LIVE, Phase.INTERVAL, Phase.PAUSED):
            groups["live"].append(festival)
        elif phase == Phase.WARM_UP:
            groups["upcoming"].append(festival)
        elif phase == Phase.ENDED:
            groups["past"].append(festival)
    groups["past"].reverse()
    return groups


def calendar_month(year: int, month: int) -> list[tuple[Festival, Wave]]:
    """Every wave that overlaps the month (UTC), with its festival, in start order."""
    start = datetime(year, month, 1, tzinfo=UTC)
    end = (start + timedelta(days=32)).replace(day=1)
    rows = db.session.execute(
        select(Festival, Wave).join(Wave, Wave.festival_id == Festival.id)
        .where(Wave.starts_at < end, Wave.ends_at > start).order_by(Wave.starts_at)
    ).all()
    return [(row[0], row[1]) for row in rows]
