"""Vendor back-office pages for products: list, editor, publishing, photos, and CSV stock and price updates.

Vendors only; each page works on the signed-in vendor's own store, and another vendor's product or
photo answers 404 (the services raise NotFound, never a hint that it exists).
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound as HTTPNotFound
from wtforms.fields.choices import SelectChoice

from marketplace.accounts.auth import role_required
from marketplace.accounts.models import Role
from marketplace.catalog.models import Product, ProductStatus
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.i18n import current_language
from marketplace.vendors.backoffice import csv_update, photos, services
from marketplace.vendors.backoffice.forms import (
    ActionForm,
    CsvUploadForm,
    PhotoUploadForm,
    ProductFilterForm,
    ProductForm,
    product_form_data,
    status_label,
)
from marketplace.vendors.backoffice.stock_edits import StockMoved
from marketplace.vendors.services import owned_product, store_of

bp = Blueprint("vendor_products", __name__, url_prefix="/<lang:lang_code>/vendor/products")
vendor_only = role_required(Role.VENDOR)
# Ids past a 32-bit integer are simply not found (SQLite cannot even bind them).
PRODUCT = "<int(max=2147483647):product_id>"
PHOTO = "<int(max=2147483647):image_id>"


@bp.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    from marketplace.core.views import http_error

    return http_error(HTTPNotFound())


@bp.errorhandler(PermissionDenied)
def no_store(error: PermissionDenied) -> Response:
    flash(error.message, "error")
    return redirect(url_for(".index"))


@bp.app_template_global()
def product_status_label(status: ProductStatus) -> str:
    return status_label(status)


@bp.app_template_global()
def photo_problem(reason: str) -> str:
    return photos.rejection_message(reason)


def _editor(form: ProductForm, product: Product | None = None, status: int = 200) -> tuple[str, int]:
    language = current_language().code
    form.category_id.choices = [
        SelectChoice(str(cid), names.get(language) or names.get("en") or slug)
        for cid, slug, names in services.category_choices()
    ]
    form.currency.choices = [SelectChoice(code) for code in services.currency_choices(form.currency.data)]
    texts = form.changes().texts
    return render_template(
        "vendors/backoffice/edit.html", form=form, product=product, completeness=services.completeness(texts),
    ), status


@bp.get("/")
@vendor_only
def index():
    """The vendor's products, searchable by name and filtered by status and stock."""
    form = ProductFilterForm(request.args)
    page = services.vendor_products(
        current_user, search=form.q.data or "", status=form.chosen_status(), stock=form.chosen_stock(),
        page=request.args.get("page", 1, type=int),
    )
    return render_template("vendors/backoffice/list.html", form=form, page=page, store=store_of(current_user),
                           low_stock=services.LOW_STOCK)


@bp.route("/new", methods=["GET", "POST"])
@vendor_only
def new():
    """A new product (saved as a draft)."""
    form = ProductForm(data=services.new_product_defaults(current_user))
    if form.validate_on_submit():
        try:
            product = services.create_product(current_user, form.changes())
        except ValidationError as exc:
            form.show_errors(exc)
            return _editor(form, status=422)
        flash(_("Draft saved. Add photos, then publish it when it is ready."), "success")
        return redirect(url_for(".edit", product_id=product.id))
    return _editor(form, status=422 if form.errors else 200)


@bp.route(f"/{PRODUCT}", methods=["GET", "POST"])
@vendor_only
def edit(product_id: int):
    """The product editor: texts per language, category, price, stock and details."""
    product = owned_product(current_user, product_id)
    form = ProductForm(data=product_form_data(product))
    if form.validate_on_submit():
        try:
            services.update_product(current_user, product_id, form.changes())
        except ValidationError as exc:
            form.show_errors(exc)
            return _editor(form, product, status=422)
        except StockMoved as exc:
            form.show_errors(exc)
            form.stock_seen.data = str(exc.current)  # saving again applies the change to the stock as it is now
            return _editor(form, product, status=409)
        flash(_("Changes saved."), "success")
        return redirect(url_for(".edit", product_id=product_id))
    return _editor(form, product, status=422 if form.errors else 200)


@bp.post(f"/{PRODUCT}/publish")
@vendor_only
def publish(product_id: int) -> Response:
    """Publish the product, or send it for review when staff have never approved it."""
    if ActionForm().validate_on_submit():
        try:
            product = services.publish_product(current_user, product_id)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            if product.status == ProductStatus.PENDING_REVIEW:
                flash(_("Sent for review: campaign staff check every new product before it goes live."), "success")
            else:
                flash(_("Published: shoppers can see it now."), "success")
    return redirect(url_for(".edit", product_id=product_id))


@bp.post(f"/{PRODUCT}/unpublish")
@vendor_only
def unpublish(product_id: int) -> Response:
    """Take the product off the shop (back to draft)."""
    if ActionForm().validate_on_submit():
        services.unpublish_product(current_user, product_id)
        flash(_("The product is a draft again: shoppers no longer see it."), "info")
    return redirect(url_for(".edit", product_id=product_id))


@bp.post(f"/{PRODUCT}/duplicate")
@vendor_only
def duplicate(product_id: int) -> Response:
    """Copy the product into a new draft and open it."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for(".edit", product_id=product_id))
    copy = services.duplicate_product(current_user, product_id)
    flash(_("This is a copy, saved as a draft with no stock."), "success")
    return redirect(url_for(".edit", product_id=copy.id))


@bp.route(f"/{PRODUCT}/photos", methods=["GET", "POST"])
@vendor_only
def photos_page(product_id: int):
    """The product's photos: add, reorder, choose the cover, delete."""
    product = owned_product(current_user, product_id)
    form = PhotoUploadForm()
    status = 200
    if form.validate_on_submit():
        uploads = [photos.PhotoUpload(file.filename or "", file.read(photos.MAX_PHOTO_BYTES + 1))
                   for file in form.photos.data or []]
        try:
            added = photos.add_photos(current_user, product_id, uploads)
        except photos.PhotosRejected as exc:
            form.photos.errors = exc.messages
            status = 422
        else:
            if any(image.status == photos.PENDING for image in added):
                flash(_("Uploaded. The photos appear here once they are processed, in a few seconds."), "success")
            else:
                flash(_("Photos added."), "success")
            return redirect(url_for(".photos_page", product_id=product_id))
    return render_template("vendors/backoffice/photos.html", product=product, form=form,
                           max_photos=photos.MAX_PHOTOS), status


@bp.post(f"/{PRODUCT}/photos/{PHOTO}/move")
@vendor_only
def move_photo(product_id: int, image_id: int) -> Response:
    """Move a photo up or down (the first one is the cover)."""
    if ActionForm().validate_on_submit():
        try:
            photos.move_photo(current_user, product_id, image_id, request.form.get("direction", ""))
        except ValidationError as exc:
            flash(exc.message, "error")
    return redirect(url_for(".photos_page", product_id=product_id, _anchor=f"photo-{image_id}"))


@bp.post(f"/{PRODUCT}/photos/{PHOTO}/cover")
@vendor_only
def cover_photo(product_id: int, image_id: int) -> Response:
    """Make a photo the cover."""
    if ActionForm().validate_on_submit():
        photos.make_cover(current_user, product_id, image_id)
        flash(_("Cover photo changed."), "success")
    return redirect(url_for(".photos_page", product_id=product_id))


@bp.post(f"/{PRODUCT}/photos/{PHOTO}/delete")
@vendor_only
def delete_photo(product_id: int, image_id: int) -> Response:
    """Delete a photo."""
    if ActionForm().validate_on_submit():
        photos.delete_photo(current_user, product_id, image_id)
        flash(_("Photo deleted."), "info")
    return redirect(url_for(".photos_page", product_id=product_id))


@bp.route("/bulk-update", methods=["GET", "POST"])
@vendor_only
def bulk_update():
    """Stock and prices of many products at once, from a CSV file; all lines apply or none does."""
    form = CsvUploadForm()
    errors, status = [], 200
    if form.validate_on_submit():
        data = form.file.data.read(csv_update.MAX_CSV_BYTES + 1) if form.file.data else b""
        try:
            outcome = csv_update.apply_csv(current_user, data)
        except csv_update.CsvRejected as exc:
            errors, status = exc.errors, 422
        else:
            flash(_("Updated %(updated)d products; %(unchanged)d lines changed nothing.", updated=outcome.updated,
                    unchanged=outcome.unchanged), "success")
            return redirect(url_for(".index"))
    return render_template("vendors/backoffice/bulk_update.html", form=form, errors=errors,
                           max_rows=csv_update.MAX_CSV_ROWS), status


@bp.get("/export.csv")
@vendor_only
def export_csv() -> Response:
    """The vendor's products as a CSV file to edit and upload again."""
    body = csv_update.export_csv(current_user)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="products.csv"',
        "Cache-Control": "private, no-store",
    })
