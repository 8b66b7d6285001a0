"""Administration over JSON: organisations, users, the field taxonomy, settings, the audit trail, the review
queue.

The services check that the actor is an admin; handlers only ask for a token first (401 before 403).
"""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import (
    json_body,
    optional_json_body,
    page_envelope,
    paging,
    reject_unknown_fields,
    require_actor,
)
from market.api.listings import COLLECTIONS, dump_listing
from market.schemas import (
    AuditEntryOut,
    DecisionIn,
    EventJobOut,
    FieldIn,
    FieldOut,
    FieldUpdateIn,
    OrganisationAdminOut,
    OrganisationUpdateIn,
    SettingsIn,
    SettingsOut,
    UserOut,
    UserUpdateIn,
)
from market.services import (
    accounts,
    audit_log,
    event_jobs,
    listings,
    mailbox,
    organisations,
    settings,
    taxonomy,
)


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


# ---- organisations ---------------------------------------------------------------------------------


@api_bp.get("/organisations")
def list_organisations():
    result = organisations.list_organisations(require_actor(), request.args.get("state", ""), *paging())
    return jsonify(page_envelope(result, OrganisationAdminOut().dump))


@api_bp.patch("/organisations/<int:org_id>")
def update_organisation(org_id):
    user = require_actor()
    org = organisations.update_organisation_profile(user, org_id, _body(OrganisationUpdateIn))
    return jsonify(OrganisationAdminOut().dump(org))


@api_bp.post("/organisations/<int:org_id>/<any(verify, reject):decision>")
def decide_organisation(org_id, decision):
    user = require_actor()
    data = optional_json_body()
    reject_unknown_fields(data, DecisionIn().fields)
    org = organisations.decide_verification(user, org_id, decision == "verify", data.get("note"))
    return jsonify(OrganisationAdminOut().dump(org))


# ---- users -----------------------------------------------------------------------------------------


@api_bp.get("/users")
def list_users():
    result = accounts.list_users(
        require_actor(), request.args.get("q", ""), request.args.get("role", ""), *paging()
    )
    return jsonify(page_envelope(result, UserOut().dump))


@api_bp.patch("/users/<int:user_id>")
def update_user(user_id):
    user = require_actor()
    return jsonify(UserOut().dump(accounts.update_user(user, user_id, _body(UserUpdateIn))))


@api_bp.post("/users/<int:user_id>/sign-out")
def sign_out_user(user_id):
    """End every session of the user and revoke their API tokens."""
    return jsonify(UserOut().dump(accounts.sign_out_everywhere(require_actor(), user_id)))


# ---- mail kept instead of sent (no SMTP configured) --------------------------------------------------


@api_bp.get("/admin/mail")
def list_kept_mail():
    return jsonify({"items": [_mail(m) for m in mailbox.kept_mail(require_actor())]})


@api_bp.get("/admin/mail/<name>")
def get_kept_mail(name):
    return jsonify(_mail(mailbox.kept_message(require_actor(), name)))


def _mail(message) -> dict:
    return {
        "name": message.name,
        "to": message.to,
        "subject": message.subject,
        "body": message.body,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
    }


# ---- technical fields (GET /fields is in listings.py) ---------------------------------------------


@api_bp.post("/fields")
def create_field():
    user = require_actor()
    return jsonify(FieldOut().dump(taxonomy.create_field(user, _body(FieldIn)))), 201


@api_bp.patch("/fields/<int:field_id>")
def update_field(field_id):
    user = require_actor()
    return jsonify(FieldOut().dump(taxonomy.update_field(user, field_id, _body(FieldUpdateIn))))


# ---- settings, audit trail, review queue -----------------------------------------------------------


@api_bp.get("/settings")
def get_settings():
    return jsonify(SettingsOut().dump(settings.get_settings(require_actor())))


@api_bp.put("/settings")
def update_settings():
    user = require_actor()
    return jsonify(SettingsOut().dump(settings.update_settings(user, _body(SettingsIn))))


@api_bp.get("/audit")
def list_audit_entries():
    result = audit_log.list_audit_entries(require_actor(), request.args.get("type", ""), *paging())
    return jsonify(page_envelope(result, AuditEntryOut().dump))


@api_bp.get("/review/<any(achievements, demands, equipment):collection>")
def list_review_queue(collection):
    user = require_actor()
    result = listings.review_queue(user, COLLECTIONS[collection], *paging())
    return jsonify(page_envelope(result, lambda listing: dump_listing(listing, user)))


# ---- the worker's jobs --------------------------------------------------------------------------------


@api_bp.get("/admin/jobs")
def list_event_jobs():
    result = event_jobs.list_jobs(require_actor(), request.args.get("status", "parked"), *paging())
    envelope = page_envelope(result, EventJobOut().dump)
    envelope["meta"]["counts"] = event_jobs.job_counts()
    return jsonify(envelope)


@api_bp.post("/admin/jobs/<int:job_id>/retry")
def retry_event_job(job_id):
    return jsonify(EventJobOut().dump(event_jobs.retry_job(require_actor(), job_id)))
