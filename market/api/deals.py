"""Deals, their messages and stages over JSON, with the same permissions as the pages.

A token is asked for first (401); the services then decide: a deal the actor does not take part in is 404
(nobody else learns that it exists), an action their part in the deal does not allow 403, a stage move the
deal's stage does not allow 409.
"""

import mimetypes
from datetime import date

from flask import jsonify, request, send_file

from market.api.blueprint import api_bp
from market.api.common import (
    json_body,
    optional_json_body,
    page_envelope,
    paging,
    reject_unknown_fields,
    require_actor,
)
from market.errors import ValidationFailed
from market.schemas import (
    BrokerPerformanceOut,
    DealBrokerIn,
    DealIn,
    DealMessageIn,
    DealMessageOut,
    DealNdaOut,
    DealNdaStatus,
    DealNextActionIn,
    DealNoteIn,
    DealOut,
    DealStageIn,
)
from market.services import deals
from market.services.contract_stats import custom_period

# stale, nda and the result's confidential details depend on who asks: dump_deal fills them in.
_DEAL = DealOut(exclude=("stale", "nda", "achievement.confidential_details"))


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


def _texts(data: dict, *names: str) -> None:
    bad = {
        name: "必须是文字" for name in names if data.get(name) is not None and not isinstance(data[name], str)
    }
    if bad:
        raise ValidationFailed(bad)


def dump_deal(deal, viewer, stale_days: int | None = None) -> dict:
    """The deal as the viewer sees it: whether it went quiet, the NDA, and the result's confidential details
    once the viewer may see them."""
    days = deals.stale_days() if stale_days is None else stale_days
    accepted = [
        (org, nda)
        for org, nda in (
            (deal.seller, deals.nda_accepted(deal, deal.seller_org_id)),
            (deal.buyer, deals.nda_accepted(deal, deal.buyer_org_id)),
        )
        if nda
    ]
    out = _DEAL.dump(deal)
    out["stale"] = deals.is_stale(deal, days=days)
    out["nda"] = DealNdaStatus().dump(
        {
            "text": deals.NDA_TEXT,
            "version": deals.NDA_VERSION,
            "accepted_by_my_org": any(org.id == viewer.organisation_id for org, _nda in accepted),
            "accepted": [{"org": org, "at": nda.accepted_at} for org, nda in accepted],
        }
    )
    if deal.achievement is not None:
        visible = deals.can_see_confidential(viewer, deal.achievement)
        out["achievement"]["confidential_details"] = (
            deal.achievement.confidential_details if visible else None
        )
    return out


def _page_of_deals(result, viewer):
    days = deals.stale_days()
    return jsonify(page_envelope(result, lambda deal: dump_deal(deal, viewer, days)))


# ---- deals -------------------------------------------------------------------------------------------


@api_bp.get("/deals")
def list_deals():
    user = require_actor()
    page, per_page = paging()
    filters = {"stage": request.args.get("stage", ""), "stale": request.args.get("stale", "")}
    return _page_of_deals(deals.list_deals(user, filters, page, per_page), user)


@api_bp.post("/deals")
def open_deal():
    user = require_actor()
    deal, is_new = deals.open_deal(user, _body(DealIn))
    return jsonify(dump_deal(deal, user)), 201 if is_new else 200


@api_bp.get("/deals/<int:deal_id>")
def get_deal(deal_id):
    user = require_actor()
    return jsonify(dump_deal(deals.get_deal(user, deal_id), user))


# ---- brokers -----------------------------------------------------------------------------------------


@api_bp.get("/deals/claimable")
def list_claimable_deals():
    user = require_actor()
    return _page_of_deals(deals.claimable_deals(user, *paging()), user)


@api_bp.post("/deals/<int:deal_id>/claim")
def claim_deal(deal_id):
    user = require_actor()
    reject_unknown_fields(optional_json_body(), ())
    return jsonify(dump_deal(deals.claim_deal(user, deal_id), user))


@api_bp.post("/deals/<int:deal_id>/assign")
def assign_broker(deal_id):
    user = require_actor()
    data = _body(DealBrokerIn)
    return jsonify(dump_deal(deals.assign_broker(user, deal_id, data.get("broker_id")), user))


@api_bp.post("/deals/<int:deal_id>/request-broker")
def request_broker(deal_id):
    user = require_actor()
    data = _body(DealBrokerIn)
    return jsonify(dump_deal(deals.request_broker(user, deal_id, data.get("broker_id")), user))


@api_bp.get("/brokers/performance")
def broker_performance():
    user = require_actor()
    period = custom_period(request.args.get("from"), request.args.get("to"), date.today())
    figures = deals.broker_performance(user, period.start, period.end, request.args.get("broker_id"))
    return jsonify(
        {
            "items": BrokerPerformanceOut(many=True).dump(figures),
            "meta": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        }
    )


# ---- stages --------------------------------------------------------------------------------------------


@api_bp.post("/deals/<int:deal_id>/stage")
def move_stage(deal_id):
    user = require_actor()
    data = _body(DealStageIn)
    _texts(data, "stage")
    deal = deals.move_stage(user, deal_id, data.get("stage"), data.get("reason"), data.get("note"))
    return jsonify(dump_deal(deal, user))


@api_bp.put("/deals/<int:deal_id>/next-action")
def set_next_action(deal_id):
    user = require_actor()
    return jsonify(dump_deal(deals.set_next_action(user, deal_id, _body(DealNextActionIn)), user))


# ---- messages, notes, NDA ------------------------------------------------------------------------------


@api_bp.get("/deals/<int:deal_id>/messages")
def list_deal_messages(deal_id):
    return jsonify({"items": DealMessageOut(many=True).dump(deals.thread(require_actor(), deal_id))})


@api_bp.post("/deals/<int:deal_id>/messages")
def post_deal_message(deal_id):
    user = require_actor()
    if request.mimetype == "multipart/form-data":
        reject_unknown_fields(dict.fromkeys([*request.form, *request.files]), ("body", "file"))
        upload = request.files.get("file")
        # One byte past the limit is enough for the service to refuse an oversized file without reading it
        # all.
        content = upload.stream.read(deals.MAX_FILE_BYTES + 1) if upload else None
        message = deals.post_message(
            user, deal_id, request.form.get("body", ""), upload.filename if upload else None, content
        )
    else:
        message = deals.post_message(user, deal_id, _body(DealMessageIn).get("body"))
    return jsonify(DealMessageOut().dump(message)), 201


@api_bp.get("/deals/<int:deal_id>/messages/<int:message_id>/file")
def get_deal_message_file(deal_id, message_id):
    message, path = deals.message_file(require_actor(), deal_id, message_id)
    mimetype = mimetypes.guess_type(message.filename)[0] or "application/octet-stream"
    response = send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=message.filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@api_bp.post("/deals/<int:deal_id>/notes")
def add_deal_note(deal_id):
    user = require_actor()
    data = _body(DealNoteIn)
    return jsonify(
        DealMessageOut().dump(deals.add_note(user, deal_id, data.get("kind"), data.get("body")))
    ), 201


@api_bp.post("/deals/<int:deal_id>/nda")
def accept_nda(deal_id):
    user = require_actor()
    reject_unknown_fields(optional_json_body(), ())
    nda = deals.accept_nda(user, deal_id)
    # Only a party accepts, for its own organisation: the acceptance is the actor's organisation's.
    return jsonify(
        DealNdaOut().dump(
            {
                "accepted_at": nda.accepted_at,
                "org": user.organisation,
                "user": nda.user,
                "version": nda.text_version,
            }
        )
    )
