"""Vendor onboarding pages: join, the four steps, and the application's state."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from marketplace.accounts.auth import role_required
from marketplace.accounts.forms import SignupForm
from marketplace.accounts.guard import TooManyAttempts
from marketplace.accounts.models import Role
from marketplace.accounts.views import start_session
from marketplace.catalog.services import all_categories, all_countries, country_name, localized
from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import LANGUAGES, VENDOR_LANGUAGES, current_language
from marketplace.vendors import onboarding, slots
from marketplace.vendors.documents import check_document
from marketplace.vendors.forms import BusinessForm, ConfirmForm, PayoutForm, ProfileForm
from marketplace.vendors.services import store_of

bp = Blueprint("vendors", __name__, url_prefix="/<lang:lang_code>/vendor")
vendor_required = role_required(Role.VENDOR)


@bp.route("/join", methods=["GET", "POST"])
def join() -> Response | str:
    """Step 1: a vendor account (or turning the signed-in shopper account into one)."""
    if current_user.is_authenticated:
        if current_user.role == Role.VENDOR:
            return redirect(url_for("vendors.application"))
        form = ConfirmForm()
        if current_user.role == Role.SHOPPER and form.validate_on_submit():
            onboarding.become_vendor(current_user)
            return redirect(url_for("vendors.step", step="profile"))
        return _join_page(form=None, convert_form=form)
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = onboarding.register_vendor(
                form.email.data, form.password.data, form.display_name.data, current_language().code
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            start_session(user)
            return redirect(url_for("vendors.step", step="profile"))
    return _join_page(form=form, convert_form=None)


def _join_page(form: SignupForm | None, convert_form: ConfirmForm | None) -> str:
    return render_template(
        "vendors/join.html", form=form, convert_form=convert_form,
        review_days=current_app.config["VENDOR_REVIEW_DAYS"], store_slots_left=slots.slots_left(slots.STORE_SLOTS),
        store_target=current_app.config["CAMPAIGN_STORE_TARGET"],
    )


@bp.get("/application")
@vendor_required
def application() -> str:
    """Where the application stands, with the steps and what staff said."""
    store = store_of(current_user)
    return render_template(
        "vendors/application.html", store=store, done=onboarding.completed_steps(store),
        next_step=onboarding.next_step(store), submit_form=ConfirmForm(),
    )


def profile_form(store) -> ProfileForm:
    form = ProfileForm(obj=None if request.method == "POST" else store)
    language = current_language().code
    countries = sorted(
        (SelectChoice(c.code, country_name(c.code, language)) for c in all_countries()), key=lambda c: c.label
    )
    form.country_code.choices = [SelectChoice("", _("Choose…")), *countries]
    form.original_language.choices = [SelectChoice(code, LANGUAGES[code].native_name) for code in VENDOR_LANGUAGES]
    form.categories.choices = [
        SelectChoice(c.id, localized(c.texts, language, "en", "name").text) for c in all_categories()
    ]
    if request.method == "GET" and store is not None:
        form.categories.data = [c.id for c in store.categories]
        for text in store.texts:
            getattr(form, f"tagline_{text.language}").data = text.tagline
            getattr(form, f"story_{text.language}").data = text.story
    return form


@bp.route("/onboarding/<any(profile, business, payout, review):step>", methods=["GET", "POST"])
@vendor_required
def step(step: str) -> Response | str:
    """One onboarding step: the form, saved as soon as it is valid, then on to the next step."""
    store = store_of(current_user)
    if step != "profile" and store is None:
        return redirect(url_for("vendors.step", step="profile"))
    form = {"profile": profile_form, "business": lambda s: BusinessForm(obj=s),
            "payout": lambda s: PayoutForm(obj=s), "review": lambda s: ConfirmForm()}[step](store)
    if step == "payout" and request.method == "GET" and store is not None:
        form.method.data = store.payout_method.value if store.payout_method else None
        form.account_number.data = ""  # never shown back in full
    status = 200
    if form.validate_on_submit():
        try:
            _save_step(step, form)
        except TooManyAttempts as exc:
            form.form_errors.append(exc.message)
            status = 429
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
        else:
            if step == "review":
                flash(_("Your application is submitted. Campaign staff will review it."), "success")
                return redirect(url_for("vendors.application"))
            store = store_of(current_user)
            following = onboarding.next_step(store)
            if store.status not in onboarding.EDITABLE:
                flash(_("Your changes are saved."), "success")
                if step == "payout" and store.payout_on_hold:
                    flash(_("Campaign staff check your new payout details before money is sent to them. "
                            "We e-mailed you about the change."), "info")
                return redirect(url_for("vendors.application"))
            return redirect(url_for("vendors.step", step=following))
    masked = onboarding.masked_account(store.payout_account_number) if store else ""
    if step == "payout":
        form.password.data = ""  # never sent back
    return render_template(
        f"vendors/step_{step}.html", form=form, step=step, store=store, steps=onboarding.STEPS,
        done=onboarding.completed_steps(store), masked=masked,
    ), status


def _uploaded_bytes(upload) -> bytes | None:
    return upload.read() if upload and getattr(upload, "filename", "") else None


def _save_step(step: str, form) -> None:
    if step == "profile":
        languages = list(LANGUAGES)
        onboarding.save_profile(current_user, onboarding.ProfileInput(
            name=form.name.data or "", country_code=form.country_code.data or "", city=form.city.data or "",
            category_ids=form.categories.data or [], original_language=form.original_language.data or "",
            taglines={code: getattr(form, f"tagline_{code}").data or "" for code in languages},
            stories={code: getattr(form, f"story_{code}").data or "" for code in languages},
            founded_year=form.founded_year.data,
            logo=_uploaded_bytes(form.logo.data),
        ))
    elif step == "business":
        data = _uploaded_bytes(form.document.data)
        document = check_document(data, form.document.data.filename) if data is not None else None
        onboarding.save_business(current_user, form.registration_number.data or "", form.phone.data or "", document)
    elif step == "payout":
        onboarding.save_payout(current_user, onboarding.PayoutInput(
            form.method.data or "", form.provider.data or "", form.account_name.data or "",
            form.account_number.data or "",
        ), form.password.data or "")
    elif step == "review":
        onboarding.submit_application(current_user)
    else:  # pragma: no cover - the route only matches the four steps
        abort(404)
