"""The contract register in HTML: list, write, submit, register, return, correct, attachments."""

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.forms import ConfirmForm
from market.forms.contracts import (
    AttachmentCorrectionForm,
    AttachmentForm,
    ContractForm,
    CorrectionForm,
    RegisterForm,
    ReturnForm,
)
from market.models.vocab import CONTRACT_STATUSES, CONTRACT_TYPES, ORG_KINDS
from market.money import fen_to_yuan
from market.services import contracts, lookup
from market.services.permissions import is_admin
from market.storage import file_size
from market.views.common import page_args
from market.views.contract_history import exact_yuan, history_rows

bp = Blueprint("contracts", __name__, url_prefix="/contracts")

# The inputs that name another row, picked by typing its name (market/services/lookup.py), and their kind.
PICKED = {
    "seller_org_id": "organisation",
    "buyer_org_id": "organisation",
    "broker_id": "broker",
    "achievement_id": "achievement",
    "demand_id": "demand",
}


@bp.before_request
@login_required
def _require_login():
    pass


# ---- list ------------------------------------------------------------------------------------------------


@bp.get("/")
def list_contracts():
    page = contracts.list_contracts(current_user, request.args, *page_args())
    filters = {k: request.args.get(k, "") for k in ("status", "type", "field", "from", "to", "q")}
    return render_template(
        "contracts/list.html",
        page=page,
        filters=filters,
        filtered=any(filters.values()),
        statuses=CONTRACT_STATUSES,
        types=CONTRACT_TYPES,
        fields=contracts.field_choices(),
        can_write=contracts.can_write_contracts(current_user),
    )


# ---- write -----------------------------------------------------------------------------------------------


def _require_writer() -> None:
    if contracts.can_write_contracts(current_user):
        return
    if current_user.role == "viewer":
        raise PermissionDenied("政府观察员只能查看已登记的合同，不能登记或修改合同")
    raise PermissionDenied("您的单位尚未通过平台认证，认证通过后才能登记技术合同")


def _contract_form(form_class=ContractForm, **kwargs):
    form = form_class(**kwargs)
    form.field.choices = [("", "请选择")] + [(name, name) for name in contracts.field_choices()]
    return form


def _new_defaults() -> dict:
    """A member's own organisation on the side it usually takes; a broker as the contract's broker."""
    data = {"buyer_province": "陕西省"}
    org = current_user.organisation
    if org is not None and current_user.role != "admin":
        if org.kind in ("university", "institute"):
            data["seller_org_id"] = str(org.id)
        elif org.kind == "enterprise":
            data["buyer_org_id"] = str(org.id)
    if current_user.role == "broker":
        data["broker_id"] = str(current_user.id)
    for name in ("achievement_id", "demand_id", "seller_org_id", "buyer_org_id"):
        if request.args.get(name, "").isdigit():
            data[name] = request.args[name]
    return data


def _form_data(contract) -> dict:
    """A contract's stored values as the form shows them (yuan strings, ISO dates, ids as text)."""
    data = {
        name: getattr(contract, name)
        for name in (
            "number",
            "title",
            "contract_type",
            "payment_mode",
            "field",
            "buyer_province",
            "note",
            "registration_number",
        )
    }
    data["subtype"] = contract.subtype or ""
    for name in ("seller_org_id", "buyer_org_id", "broker_id", "achievement_id", "demand_id"):
        value = getattr(contract, name)
        data[name] = str(value) if value is not None else ""
    for name in ("signed_on", "term_start", "term_end"):
        value = getattr(contract, name)
        data[name] = value.isoformat() if value else ""
    data["amount"] = str(fen_to_yuan(contract.amount_fen))
    data["recognised_amount"] = (
        str(fen_to_yuan(contract.recognised_fen)) if contract.recognised_fen is not None else ""
    )
    return data


def _render_form(form, contract=None, status=200):
    return render_template(
        "contracts/form.html", form=form, contract=contract, **party_options(current_user, contract, form)
    ), 422 if form.errors else status


@bp.route("/new", methods=["GET", "POST"])
def new_contract():
    _require_writer()
    form = _contract_form(data=None if request.method == "POST" else _new_defaults())
    if form.validate_on_submit():
        try:
            contract = contracts.create_contract(current_user, form.to_data())
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash(f"合同《{contract.title}》草稿已保存；核对无误后请点击“提交登记”", "success")
            return redirect(url_for("contracts.show_contract", contract_id=contract.id))
    return _render_form(form)


def _editable(contract):
    """The edit page refuses what the service would refuse, before the user types anything."""
    if contract.status not in contracts.EDITABLE:
        message = f"{contract.status_label}的合同不能修改"
        if contract.status == "registered":
            message += "；如需更正，请联系管理员"
        elif contract.status == "submitted":
            message += "；管理员退回后可再修改"
        flash(message, "warning")
        return redirect(url_for("contracts.show_contract", contract_id=contract.id))
    if not _may(contracts.can_edit_contract, contract):
        raise PermissionDenied("只有合同当事方、其技术经纪人或管理员可以修改合同")
    return None


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
def edit_contract(contract_id):
    contract = contracts.get_contract(current_user, contract_id)
    if (refused := _editable(contract)) is not None:
        return refused
    form = _contract_form(data=None if request.method == "POST" else _form_data(contract))
    if form.validate_on_submit():
        try:
            contract = contracts.update_contract(current_user, contract_id, form.to_data())
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        except InvalidTransition as exc:
            flash(exc.message, "danger")
            return redirect(url_for("contracts.show_contract", contract_id=contract_id))
        else:
            flash("合同已保存", "success")
            return redirect(url_for("contracts.show_contract", contract_id=contract.id))
    return _render_form(form, contract)


@bp.post("/<int:contract_id>/delete")
def delete_contract(contract_id):
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("contracts.show_contract", contract_id=contract_id))
    try:
        contracts.delete_contract(current_user, contract_id)
    except InvalidTransition as exc:
        flash(exc.message, "danger")
        return redirect(url_for("contracts.show_contract", contract_id=contract_id))
    flash("合同草稿已删除", "success")
    return redirect(url_for("contracts.list_contracts"))


# ---- detail and workflow ---------------------------------------------------------------------------------


def _may(predicate, contract) -> bool:
    # Viewers read; even when their organisation is a party they get no buttons.
    return current_user.role != "viewer" and predicate(current_user, contract)


def _actions(contract) -> dict:
    """Which buttons the user sees: the same conditions the service checks."""
    admin = is_admin(current_user)
    party = _may(contracts.is_party, contract)
    editable = contract.status in contracts.EDITABLE
    return {
        "edit": editable and _may(contracts.can_edit_contract, contract),
        "delete": contract.status == "draft" and _may(contracts.can_edit_contract, contract),
        "submit": editable and (admin or party),
        "register": admin and contract.status == "submitted",
        "return": admin and contract.status == "submitted",
        "correct": admin and contract.status == "registered",
        "attach": (admin or party) and contract.status != "registered",
        "attach_correction": admin and contract.status == "registered",
        "detach": contract.status != "registered" and (admin or (party and editable)),
        # Those who could remove files before registration are told why they no longer can.
        "explain_kept": contract.status == "registered" and (admin or party),
    }


def _render_detail(
    contract, status=200, register_form=None, return_form=None, attachment_form=None, correction_form=None
):
    if register_form is None:
        register_form = RegisterForm(
            formdata=None, data={"recognised_amount": str(fen_to_yuan(contract.amount_fen))}
        )
    return render_template(
        "contracts/show.html",
        contract=contract,
        history=history_rows(contracts.contract_history(current_user, contract.id), contract),
        can=_actions(contract),
        register_form=register_form,
        return_form=return_form or ReturnForm(formdata=None),
        attachment_form=attachment_form or AttachmentForm(formdata=None),
        correction_form=correction_form or AttachmentCorrectionForm(formdata=None),
        confirm_form=ConfirmForm(),
        exact_yuan=exact_yuan,
        file_size=file_size,
    ), status


@bp.get("/<int:contract_id>")
def show_contract(contract_id):
    return _render_detail(contracts.get_contract(current_user, contract_id))


def _back(contract_id):
    return redirect(url_for("contracts.show_contract", contract_id=contract_id))


@bp.post("/<int:contract_id>/submit")
def submit_contract(contract_id):
    if ConfirmForm().validate_on_submit():
        try:
            contracts.submit_contract(current_user, contract_id)
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        else:
            flash("已提交登记，等待管理员审核", "success")
    return _back(contract_id)


@bp.post("/<int:contract_id>/register")
def register_contract(contract_id):
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            contract = contracts.register_contract(current_user, contract_id, form.to_data())
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
            return _render_detail(contracts.get_contract(current_user, contract_id), 422, register_form=form)
        else:
            flash(f"合同已登记，登记编号 {contract.registration_number}", "success")
    return _back(contract_id)


@bp.post("/<int:contract_id>/return")
def return_contract(contract_id):
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            contracts.return_contract(current_user, contract_id, form.reason.data)
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
            return _render_detail(contracts.get_contract(current_user, contract_id), 422, return_form=form)
        else:
            flash("合同已退回，当事方会收到退回原因", "success")
    return _back(contract_id)


@bp.route("/<int:contract_id>/correct", methods=["GET", "POST"])
def correct_contract(contract_id):
    contract = contracts.get_contract(current_user, contract_id)
    if not is_admin(current_user):
        raise PermissionDenied("只有管理员可以更正已登记的合同")
    if contract.status != "registered":
        flash("只有已登记的合同需要更正；未登记的合同请直接修改", "warning")
        return _back(contract_id)
    form = _contract_form(CorrectionForm, data=None if request.method == "POST" else _form_data(contract))
    if form.validate_on_submit():
        try:
            contracts.correct_contract(current_user, contract_id, form.to_data(), form.reason.data)
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        except InvalidTransition as exc:
            flash(exc.message, "danger")
            return _back(contract_id)
        else:
            flash("更正已保存，原值和更正原因已记入合同历史", "success")
            return _back(contract_id)
    return render_template(
        "contracts/correct.html", form=form, contract=contract, **party_options(current_user, contract, form)
    ), 422 if form.errors else 200


# ---- attachments -----------------------------------------------------------------------------------------


@bp.post("/<int:contract_id>/attachments")
def upload_attachment(contract_id):
    form = AttachmentForm()
    if not form.validate_on_submit():
        return _back(contract_id)
    upload = form.file.data
    content = upload.stream.read(contracts.MAX_ATTACHMENT_BYTES + 1) if upload else b""
    try:
        attachment = contracts.add_attachment(
            current_user, contract_id, upload.filename if upload else "", content
        )
    except ValidationFailed as exc:
        form.file.errors = list(exc.fields.values())
        return _render_detail(contracts.get_contract(current_user, contract_id), 422, attachment_form=form)
    flash(f"已上传附件 {attachment.filename}", "success")
    return _back(contract_id)


@bp.post("/<int:contract_id>/correct/attachments")
def upload_attachment_correction(contract_id):
    form = AttachmentCorrectionForm()
    if not form.validate_on_submit():
        return _back(contract_id)
    upload = form.file.data
    content = upload.stream.read(contracts.MAX_ATTACHMENT_BYTES + 1) if upload else b""
    try:
        attachment = contracts.add_attachment_correction(
            current_user, contract_id, upload.filename if upload else "", content, form.reason.data
        )
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            form[name].errors = [message]
        return _render_detail(contracts.get_contract(current_user, contract_id), 422, correction_form=form)
    except InvalidTransition as exc:
        flash(exc.message, "danger")
        return _back(contract_id)
    flash(f"已通过更正补充附件 {attachment.filename}；更正原因已记入合同历史", "success")
    return _back(contract_id)


@bp.get("/<int:contract_id>/attachments/<int:attachment_id>")
def download_attachment(contract_id, attachment_id):
    attachment, path = contracts.get_attachment(current_user, contract_id, attachment_id)
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=attachment.filename)


@bp.post("/<int:contract_id>/attachments/<int:attachment_id>/delete")
def delete_attachment(contract_id, attachment_id):
    if ConfirmForm().validate_on_submit():
        try:
            contracts.delete_attachment(current_user, contract_id, attachment_id)
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        else:
            flash("附件已删除", "success")
    return _back(contract_id)


# ---- presentation helpers --------------------------------------------------------------------------------


def party_options(actor, contract=None, form=None) -> dict:
    """The names the picked seller, buyer, broker, result and demand are shown with (those the actor may see);
    a party the contract already names keeps its name even if it is no longer verified."""
    picked = {name: lookup.describe(actor, kind, getattr(form, name).data) for name, kind in PICKED.items()}
    for name in ("seller_org_id", "buyer_org_id"):
        party = getattr(contract, name.removesuffix("_org_id"), None)
        if picked[name] is None and party is not None and str(party.id) == str(getattr(form, name).data):
            picked[name] = f"{party.name}（{ORG_KINDS.get(party.kind, party.kind)}）"
    return {"picked": picked}
