"""Staff page of the duties and taxes notes shoppers read per destination country."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from marketplace.accounts.auth import staff_required
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.shipping import duties
from marketplace.shipping.destination import destination_choices
from marketplace.shipping.forms import DutyNoteForm

bp = Blueprint("staff_duties", __name__, url_prefix="/<lang:lang_code>/staff/duties")


@bp.route("/", methods=["GET", "POST"])
@staff_required
def index() -> Response | tuple[str, int]:
    """Every country's duties note, and a form that sets one (pre-filled with `?country=`'s)."""
    form = DutyNoteForm()
    form.country_code.choices = [SelectChoice("", _("Choose a country")),
                                 *(SelectChoice(*c) for c in destination_choices(current_language().code))]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            texts = {language: getattr(form, f"text_{language}").data for language in duties.LANGUAGES}
            try:
                note = duties.save_duty_note(current_user, form.country_code.data, form.payer.data, texts)
            except ValidationError as error:
                apply_errors(form, error)
                status = 422
            else:
                flash(_("Duties note for %(country)s saved.", country=note.country_code), "success")
                return redirect(url_for(".index"))
        else:
            status = 400
    else:
        chosen = next((note for note in duties.duty_notes() if note.country_code == request.args.get("country")), None)
        if chosen is not None:
            form.country_code.data, form.payer.data = chosen.country_code, chosen.payer.value
            for language in duties.LANGUAGES:
                getattr(form, f"text_{language}").data = chosen.texts.get(language, "")
    return render_template("shipping/duties.html", form=form, notes=duties.duty_notes()), status


@bp.post("/<country_code>/delete")
@staff_required
def delete(country_code: str) -> Response:
    """Remove a country's note."""
    if DutyNoteForm().validate_on_submit():
        try:
            duties.delete_duty_note(current_user, country_code)
        except NotFound as error:
            flash(error.message, "error")
        else:
            flash(_("Duties note removed."), "info")
    return redirect(url_for(".index"))
