"""Sign-up, log-in, log-out and the account page."""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from marketplace.accounts.forms import LoginForm, LogoutForm, PasswordChangeForm, SignupForm
from marketplace.accounts.guard import TooManyAttempts
from marketplace.accounts.models import User
from marketplace.accounts.sections import account_sections
from marketplace.accounts.services import authenticate, change_password, end_all_sessions, register_user
from marketplace.accounts.tokens import active_tokens, revoke_token_by_id
from marketplace.core.errors import AuthenticationFailed, NotFound, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.core.page_cache import per_response_value
from marketplace.core.site import home_url, safe_next_url
from marketplace.extensions import limiter

bp = Blueprint("accounts", __name__, url_prefix="/<lang:lang_code>/account")
# Keys kept across the new session made at log-in: shopper preferences, nothing about identity.
# Kept across log-in: preferences, and the visitor's cart, which the orders package then merges.
PREFERENCE_KEYS = ("display_currency", "cart_token")


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def landing_url(user: User) -> str:
    """Where a log-in without a `next` page leads: staff to the staff home (their work starts there), everyone
    else to the home page."""
    return url_for("staff_home.home") if user.is_staff else home_url()


def start_session(user: User, remember: bool = False) -> None:
    """Log `user` in on a brand-new session, keeping only the shopper's preferences."""
    kept = {key: session[key] for key in PREFERENCE_KEYS if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=remember)
    session.permanent = True


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Response | str:
    """Shopper sign-up; logs the new shopper in."""
    if current_user.is_authenticated:
        return redirect(home_url())
    form = SignupForm(request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            user = register_user(
                form.email.data, form.password.data, form.display_name.data, current_language().code
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            start_session(user)
            flash(_("Welcome to Silk Road Market!"), "success")
            return redirect(safe_next_url(request.args.get("next")) or home_url())
    return render_template("accounts/signup.html", form=form)


def refused_for_now(form, error: TooManyAttempts, template: str, **context) -> Response:
    """The form again with the limit's message, as 429 with Retry-After."""
    form.form_errors.append(error.message)
    response = make_response(render_template(template, form=form, **context), 429)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


# Per address here; per account (e-mail) in the database, shared by every worker: see accounts/guard.py.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login() -> Response | str:
    """Log-in form; the same message whether the e-mail is unknown or the password wrong."""
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next")) or landing_url(current_user))
    form = LoginForm(request.form if request.method == "POST" else None, next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except TooManyAttempts as exc:
            return refused_for_now(form, exc, "accounts/login.html")
        except AuthenticationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            start_session(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(safe_next_url(form.next.data) or landing_url(user))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log out here and end the user's sessions on every other device too."""
    form = LogoutForm()
    if form.validate_on_submit():
        end_all_sessions(current_user)
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
    return redirect(home_url())


@bp.route("/", methods=["GET", "POST"])
@login_required
def overview() -> Response | str:
    """The account page: who you are, and a password change that logs out your other devices."""
    form = PasswordChangeForm(request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data)
        except TooManyAttempts as exc:
            return refused_for_now(form, exc, "accounts/overview.html", tokens=active_tokens(current_user),
                                   revoke_form=LogoutForm(), sections=account_sections(current_user))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            start_session(current_user._get_current_object())  # noqa: SLF001 - unwraps the LocalProxy
            flash(_("Your password is changed. Your other devices and apps are logged out."), "success")
            return redirect(url_for("accounts.overview"))
    return render_template("accounts/overview.html", form=form, tokens=active_tokens(current_user),
                           revoke_form=LogoutForm(), sections=account_sections(current_user))


@bp.post("/tokens/<int(max=2147483647):token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    """Revoke one of the user's API tokens (an app or device they no longer use)."""
    if LogoutForm().validate_on_submit():
        try:
            revoke_token_by_id(current_user, token_id)
        except NotFound as exc:
            flash(exc.message, "error")
        else:
            flash(_("The token is revoked: the app using it must log in again."), "success")
    return redirect(url_for("accounts.overview"))


def viewer_name() -> str:
    """The signed-in user's name as the menu shows it (their display name, else their e-mail address)."""
    if not current_user.is_authenticated:
        return ""
    return current_user.display_name or current_user.email


def init_app(app: Flask) -> None:
    """Register the account pages and the menu's signed-in name, filled per response even on cached pages."""
    app.register_blueprint(bp)
    per_response_value(app, "viewer_name", viewer_name)
