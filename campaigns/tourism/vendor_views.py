"""Vendor back-office pages for experiences: the list, creating one, its facts and texts, options with their
prices, and departures added one by one or from a recurring rule previewed before saving.

Vendors only; another vendor's experience, option, price or departure answers 404 (the services raise NotFound).
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import NotFound as HTTPNotFound
from wtforms.fields.choices import SelectChoice

from campaigns.festivals.scheduling import COMMON_ZONES
from campaigns.tourism import cancellation, departures, experiences, options
from campaigns.tourism import manifest as manifests
from campaigns.tourism.display import language_name, unit_label
from campaigns.tourism.forms import (
    ActionForm,
    DepartureForm,
    ExperienceForm,
    OptionForm,
    OptionNamesForm,
    RuleForm,
    UnitForm,
    experience_form_data,
    unit_kind_choices,
    weekday_choices,
    whole,
)
from campaigns.tourism.models import Experience, ExperienceOption
from marketplace.accounts.auth import role_required
from marketplace.accounts.models import Role
from marketplace.catalog.services import country_name
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import LANGUAGES, VENDOR_LANGUAGES, current_language
from marketplace.vendors.backoffice import services as product_services

bp = Blueprint("tourism_vendor", __name__, url_prefix="/<lang:lang_code>/vendor/experiences")
vendor_only = role_required(Role.VENDOR)
ID = "<int(max=2147483647):{}>"
PRODUCT, OPTION, UNIT, DEPARTURE = (ID.format(name) for name in ("product_id", "option_id", "unit_id",
                                                                  "departure_id"))


@bp.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    from marketplace.core.views import http_error

    return http_error(HTTPNotFound())


@bp.errorhandler(PermissionDenied)
def no_store(error: PermissionDenied) -> Response:
    flash(error.message, "error")
    return redirect(url_for("vendors.application"))


def _choices(form: ExperienceForm) -> None:
    language = current_language().code
    form.original_language.choices = [SelectChoice(code, LANGUAGES[code].native_name) for code in VENDOR_LANGUAGES]
    form.category_id.choices = [
        SelectChoice(str(cid), names.get(language) or names.get("en") or slug)
        for cid, slug, names in product_services.category_choices()
    ]
    form.guide_languages.choices = [SelectChoice(code, language_name(code, language))
                                    for code in experiences.GUIDE_LANGUAGES]


def _editor(form: ExperienceForm, experience: Experience | None = None, status: int = 200):
    _choices(form)
    return render_template("tourism/vendor/edit.html", form=form, experience=experience, zones=COMMON_ZONES,
                           option_form=OptionForm(), languages_list=LANGUAGES), status


@bp.get("/")
@vendor_only
def index():
    """The vendor's experiences with their options and next departures."""
    return render_template("tourism/vendor/list.html", experiences=experiences.vendor_experiences(current_user))


@bp.route("/new", methods=["GET", "POST"])
@vendor_only
def new():
    """A new experience, saved as a draft product of kind "experience"."""
    store = product_services.own_store(current_user)
    form = ExperienceForm(data={"original_language": store.original_language
                                if store.original_language in VENDOR_LANGUAGES else "en",
                                "guide_languages": [store.original_language]})
    if form.validate_on_submit():
        try:
            experience = experiences.create_experience(
                current_user, name=form.name.data or "", description=form.description.data or "",
                original_language=form.original_language.data or "", category_id=form.category_id.data or "",
                facts=form.facts(), words=form.words())
        except ValidationError as exc:
            apply_errors(form, exc)
            return _editor(form, status=422)
        flash(_("Draft saved. Add an option with its prices and departures, then publish it."), "success")
        return redirect(url_for(".edit", product_id=experience.product_id))
    return _editor(form, status=422 if form.errors else 200)


@bp.route(f"/{PRODUCT}", methods=["GET", "POST"])
@vendor_only
def edit(product_id: int):
    """The experience's facts and its texts in one language (`?language=`), and its options."""
    experience = experiences.owned_experience(current_user, product_id)
    language = request.values.get("language") or experience.product.original_language
    if language not in LANGUAGES:
        language = experience.product.original_language
    form = ExperienceForm(data=experience_form_data(experience, language))
    if form.validate_on_submit():
        try:
            experiences.update_experience(current_user, product_id, form.facts(), language, form.words())
        except ValidationError as exc:
            apply_errors(form, exc)
            return _editor(form, experience, status=422)
        flash(_("Changes saved."), "success")
        return redirect(url_for(".edit", product_id=product_id, language=language))
    return _editor(form, experience, status=422 if form.errors else 200)


@bp.post(f"/{PRODUCT}/options")
@vendor_only
def add_option(product_id: int) -> Response:
    """Add an option, named in the vendor's original language."""
    experience = experiences.owned_experience(current_user, product_id)
    form = OptionForm()
    if form.validate_on_submit():
        try:
            option = options.add_option(current_user, product_id, experience.product.original_language,
                                            form.name.data or "")
        except ValidationError as exc:
            flash(exc.message if not exc.fields else next(iter(exc.fields.values())), "error")
        else:
            flash(_("Option added. Now give it prices and departures."), "success")
            return redirect(url_for(".option", option_id=option.id))
    return redirect(url_for(".edit", product_id=product_id))


def _option_page(option: ExperienceOption, *, names: OptionNamesForm | None = None, unit: UnitForm | None = None,
                 departure: DepartureForm | None = None, rule: RuleForm | None = None, preview=None,
                 status: int = 200):
    names = names or OptionNamesForm(data={f"name_{t.language}": t.name for t in option.texts})
    unit = unit or UnitForm()
    unit.kind.choices = unit_kind_choices()
    rule = rule or RuleForm()
    rule.weekdays.choices = weekday_choices()
    upcoming = departures.option_departures(option)
    return render_template(
        "tourism/vendor/option.html", option=option, experience=option.experience, names=names, unit=unit,
        departure=departure or DepartureForm(), rule=rule, preview=preview, departures=upcoming,
        action=ActionForm(), max_rule=departures.MAX_RULE_DEPARTURES, languages_list=LANGUAGES,
    ), status


@bp.route(f"/options/{OPTION}", methods=["GET", "POST"])
@vendor_only
def option(option_id: int):
    """An option: its name in each language, its prices, its departures, and the forms to add them."""
    found = experiences.owned_option(current_user, option_id)
    names = OptionNamesForm()
    if request.method == "POST":
        if names.validate_on_submit():
            try:
                options.name_option(current_user, option_id, {
                    code: getattr(names, f"name_{code}").data or "" for code in LANGUAGES})
            except ValidationError as exc:
                apply_errors(names, exc)
                return _option_page(found, names=names, status=422)
            flash(_("Changes saved."), "success")
            return redirect(url_for(".option", option_id=option_id))
        return _option_page(found, names=names, status=422)
    return _option_page(found)


@bp.post(f"/options/{OPTION}/units")
@vendor_only
def set_unit(option_id: int):
    """Add or change the price for one kind of traveller."""
    found = experiences.owned_option(current_user, option_id)
    form = UnitForm()
    if not form.validate_on_submit():
        return _option_page(found, unit=form, status=422)
    try:
        options.set_unit(current_user, option_id, form.changes())
    except ValidationError as exc:
        apply_errors(form, exc)
        return _option_page(found, unit=form, status=422)
    flash(_("Price saved."), "success")
    return redirect(url_for(".option", option_id=option_id, _anchor="prices"))


@bp.post(f"/options/{OPTION}/units/{UNIT}/remove")
@vendor_only
def remove_unit(option_id: int, unit_id: int) -> Response:
    """Remove one kind of traveller's price from the option."""
    if ActionForm().validate_on_submit():
        options.remove_unit(current_user, option_id, unit_id)
        flash(_("Price removed."), "info")
    return redirect(url_for(".option", option_id=option_id, _anchor="prices"))


@bp.post(f"/options/{OPTION}/departures")
@vendor_only
def add_departure(option_id: int):
    """Add one departure at a local date and time in the experience's zone."""
    found = experiences.owned_option(current_user, option_id)
    form = DepartureForm()
    if not form.validate_on_submit():
        return _option_page(found, departure=form, status=422)
    try:
        departures.add_departure(current_user, option_id, form.local_date.data, form.local_time.data, form.spec())
    except ValidationError as exc:
        apply_errors(form, exc)
        return _option_page(found, departure=form, status=422)
    flash(_("Departure added."), "success")
    return redirect(url_for(".option", option_id=option_id, _anchor="departures"))


@bp.post(f"/options/{OPTION}/rule")
@vendor_only
def rule(option_id: int):
    """A recurring rule: shows the departures it would create; with `action=save`, creates them."""
    found = experiences.owned_option(current_user, option_id)
    form = RuleForm()
    form.weekdays.choices = weekday_choices()
    if not form.validate_on_submit():
        return _option_page(found, rule=form, status=422)
    if form.times_unreadable():
        form.times.errors = [*form.times.errors, _("Write the start times as hours and minutes, like 07:30, 14:00.")]
        return _option_page(found, rule=form, status=422)
    try:
        if form.action.data == "save":
            created = departures.create_from_rule(current_user, option_id, form.rule())
        else:
            planned = departures.plan_rule(current_user, option_id, form.rule())
            return _option_page(found, rule=form, preview=planned)
    except ValidationError as exc:
        apply_errors(form, exc)
        return _option_page(found, rule=form, status=422)
    except Conflict as exc:
        form.form_errors.append(exc.message)
        return _option_page(found, rule=form, status=409)
    flash(_("%(count)s departures added.", count=len(created)), "success")
    return redirect(url_for(".option", option_id=option_id, _anchor="departures"))


def _departure_action(departure_id: int, action, done) -> Response:
    departure = departures.owned_departure(current_user, departure_id)
    option_id = departure.option_id
    if ActionForm().validate_on_submit():
        try:
            result = action(current_user, departure_id)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(done(result), "info")
    return redirect(url_for(".option", option_id=option_id, _anchor="departures"))


def _cancelled(result) -> str:
    _departure, refunded = result
    if not refunded:
        return _("Departure cancelled: shoppers can no longer book it.")
    return ngettext("Departure cancelled: %(num)d booking is refunded in full and its traveller told by e-mail.",
                    "Departure cancelled: %(num)d bookings are refunded in full and their travellers told by e-mail.",
                    refunded)


@bp.post(f"/departures/{DEPARTURE}/cancel")
@vendor_only
def cancel_departure(departure_id: int) -> Response:
    """Cancel a departure (kept, shown cancelled); its paid bookings are refunded in full."""
    return _departure_action(departure_id, cancellation.cancel_departure, _cancelled)


@bp.post(f"/departures/{DEPARTURE}/capacity")
@vendor_only
def change_capacity(departure_id: int) -> Response:
    """Change a departure's seats (never below those sold or held)."""
    departure = departures.owned_departure(current_user, departure_id)
    option_id = departure.option_id
    if ActionForm().validate_on_submit():
        try:
            departures.change_capacity(current_user, departure_id, whole(request.form.get("capacity")))
        except (ValidationError, Conflict) as exc:
            flash(exc.message, "error")
        else:
            flash(_("Seats changed."), "success")
    return redirect(url_for(".option", option_id=option_id, _anchor="departures"))


@bp.post(f"/departures/{DEPARTURE}/delete")
@vendor_only
def delete_departure(departure_id: int) -> Response:
    """Delete a departure nobody has booked."""
    return _departure_action(departure_id, departures.delete_departure, lambda _result: _("Departure deleted."))



@bp.get(f"/departures/{DEPARTURE}/manifest")
@vendor_only
def manifest(departure_id: int) -> str:
    """The departure's manifest: confirmed bookings with every traveller, check-in buttons, bookings awaiting
    payment apart; prints on paper as it is."""
    found = manifests.departure_manifest(current_user, departure_id)
    opens, closes = manifests.check_in_window(found.departure)
    return render_template("tourism/vendor/manifest.html", manifest=found, action=ActionForm(),
                           experience=found.departure.option.experience,
                           check_in_open=opens <= clock.now() <= closes)


@bp.get(f"/departures/{DEPARTURE}/manifest.csv")
@vendor_only
def manifest_csv(departure_id: int) -> Response:
    """The confirmed travellers of the departure as a spreadsheet."""
    found = manifests.departure_manifest(current_user, departure_id)
    body = manifests.manifest_csv(found, unit_label, lambda code: country_name(code, current_language().code))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="manifest-departure-{departure_id}.csv"',
        "Cache-Control": "private, no-store",
    })


@bp.post(f"/departures/{DEPARTURE}/travellers/{ID.format('traveller_id')}/check-in")
@vendor_only
def check_in(departure_id: int, traveller_id: int) -> Response:
    """Mark a traveller present (`present=1`) or not (`present=0`), then back to the manifest at that traveller."""
    manifests.departure_manifest(current_user, departure_id)  # NotFound before the form is read
    if ActionForm().validate_on_submit():
        try:
            traveller = manifests.check_in(current_user, departure_id, traveller_id,
                                           request.form.get("present") == "1")
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("%(name)s checked in.", name=traveller.name) if traveller.checked_in_at
                  else _("%(name)s marked not arrived.", name=traveller.name), "success")
    return redirect(url_for(".manifest", departure_id=departure_id, _anchor=f"traveller-{traveller_id}"))
