"""Deals, their messages and stages over JSON, with the same permissions as the pages.

A token is asked for first (401); the services then decide: a deal the actor does not take part in is 404
(nobody else learns that it exists), an action their part in the deal does not allow 403, a stage move the
deal's stage does not allow 409.
"""

import mimetypes

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
from market.api.docs import (
    ALL_ERRORS,
    PAGING,
    items_of,
    json_of,
    object_of,
    operation,
    page_of,
    query_params,
    ref,
)
from market.clock import today_in_beijing
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

PERFORMANCE = {
    "type": "object",
    "required": ["items", "meta"],
    "properties": {
        "items": {"type": "array", "items": ref("BrokerPerformanceOut")},
        "meta": {
            "type": "object",
            "required": ["from", "to"],
            "properties": {
                "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
            },
        },
    },
}
MESSAGE_FORM = {
    "type": "object",
    "properties": {
        "body": {"type": "string", "description": "留言，最多5000字（有附件时可不填）"},
        "file": {
            "type": "string",
            "format": "binary",
            "description": "附件：PDF、PNG、JPG、docx、xlsx、pptx 或 txt，按文件内容核对类型，最大 10 MB",
        },
    },
}


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


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
@operation(
    "我的对接（当事单位成员、该对接的技术经纪人；管理员全部），最近有进展的在前",
    secured=True,
    query=query_params(
        (
            "stage",
            "string",
            "阶段：intent / negotiation / signing / registered / terminated，或 open（进行中的）",
        ),
        ("stale", "boolean", "1 只看超过设定天数没有进展的进行中对接"),
        *PAGING,
    ),
    responses={"200": page_of("DealOut")},
)
def list_deals():
    user = require_actor()
    page, per_page = paging()
    filters = {"stage": request.args.get("stage", ""), "stale": request.args.get("stale", "")}
    return _page_of_deals(deals.list_deals(user, filters, page, per_page), user)


@api_bp.post("/deals")
@operation(
    "发起对接（我要对接）：企业对接成果、高校院所对接需求、技术经纪人撮合一对需求和成果；"
    "同一成果/需求已有与对方单位进行中的对接时不重复创建，返回 200 和该对接",
    secured=True,
    body="DealIn",
    responses={
        "201": json_of("DealOut", "已创建"),
        "200": json_of("DealOut", "已有进行中的对接，返回该对接"),
    },
    errors=("403", "422"),
)
def open_deal():
    user = require_actor()
    deal, is_new = deals.open_deal(user, _body(DealIn))
    return jsonify(dump_deal(deal, user)), 201 if is_new else 200


@api_bp.get("/deals/<int:deal_id>")
@operation("对接详情（含保密协议签署情况）", secured=True, responses={"200": "DealOut"}, errors=("404",))
def get_deal(deal_id):
    user = require_actor()
    return jsonify(dump_deal(deals.get_deal(user, deal_id), user))


# ---- brokers -----------------------------------------------------------------------------------------


@api_bp.get("/deals/claimable")
@operation(
    "可认领的对接（技术经纪人）：擅长领域内尚无经纪人的进行中对接，以及当事方邀请本人的对接",
    secured=True,
    query=query_params(*PAGING),
    responses={"200": page_of("DealOut")},
    errors=("403",),
)
def list_claimable_deals():
    user = require_actor()
    return _page_of_deals(deals.claimable_deals(user, *paging()), user)


@api_bp.post("/deals/<int:deal_id>/claim")
@operation(
    "认领对接（技术经纪人；须在擅长领域内或受当事方邀请；已有经纪人时 409）",
    secured=True,
    responses={"200": "DealOut"},
    errors=("403", "404", "409", "422"),
)
def claim_deal(deal_id):
    user = require_actor()
    reject_unknown_fields(optional_json_body(), ())
    return jsonify(dump_deal(deals.claim_deal(user, deal_id), user))


@api_bp.post("/deals/<int:deal_id>/assign")
@operation(
    "指派或更换对接的技术经纪人（管理员）",
    secured=True,
    body="DealBrokerIn",
    responses={"200": "DealOut"},
    errors=ALL_ERRORS,
)
def assign_broker(deal_id):
    user = require_actor()
    data = _body(DealBrokerIn)
    return jsonify(dump_deal(deals.assign_broker(user, deal_id, data.get("broker_id")), user))


@api_bp.post("/deals/<int:deal_id>/request-broker")
@operation(
    "邀请一位技术经纪人（当事方；对接尚无经纪人时），被邀请的经纪人可认领",
    secured=True,
    body="DealBrokerIn",
    responses={"200": "DealOut"},
    errors=ALL_ERRORS,
)
def request_broker(deal_id):
    user = require_actor()
    data = _body(DealBrokerIn)
    return jsonify(dump_deal(deals.request_broker(user, deal_id, data.get("broker_id")), user))


@api_bp.get("/brokers/performance")
@operation(
    "技术经纪人考核数据：期间内接手的对接数、阶段转化、各阶段停留天数和首次回复时间的中位数、已登记合同成交额"
    "（管理员：全部或指定经纪人；技术经纪人：仅本人）",
    secured=True,
    query=query_params(
        ("from", "string", "起始日期 YYYY-MM-DD（默认当年1月1日）"),
        ("to", "string", "截止日期 YYYY-MM-DD（默认今天）"),
        ("broker_id", "integer", "经纪人的用户编号（管理员可选；经纪人只能是本人）"),
    ),
    responses={"200": object_of(PERFORMANCE)},
    errors=("403", "422"),
)
def broker_performance():
    user = require_actor()
    period = custom_period(request.args.get("from"), request.args.get("to"), today_in_beijing())
    figures = deals.broker_performance(user, period.start, period.end, request.args.get("broker_id"))
    return jsonify(
        {
            "items": BrokerPerformanceOut(many=True).dump(figures),
            "meta": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        }
    )


# ---- stages --------------------------------------------------------------------------------------------


@api_bp.post("/deals/<int:deal_id>/stage")
@operation(
    "推进对接阶段（当事方、技术经纪人、管理员）：意向 → 对接洽谈 → 签约，不能跳过；"
    "任一进行中阶段可终止（须选原因）；"
    "签约时生成预填的合同草稿（contract_id）；合同登记后自动进入登记阶段；已登记或已终止的对接不能再变",
    secured=True,
    body="DealStageIn",
    responses={"200": "DealOut"},
    errors=ALL_ERRORS,
)
def move_stage(deal_id):
    user = require_actor()
    data = _body(DealStageIn)
    deal = deals.move_stage(user, deal_id, data.get("stage"), data.get("reason"), data.get("note"))
    return jsonify(dump_deal(deal, user))


@api_bp.put("/deals/<int:deal_id>/next-action")
@operation(
    "安排下一步和截止日期（该对接的技术经纪人、管理员；两项一并替换，不填为清除）",
    secured=True,
    body="DealNextActionIn",
    responses={"200": "DealOut"},
    errors=("403", "404", "422"),
)
def set_next_action(deal_id):
    user = require_actor()
    return jsonify(dump_deal(deals.set_next_action(user, deal_id, _body(DealNextActionIn)), user))


# ---- messages, notes, NDA ------------------------------------------------------------------------------


@api_bp.get("/deals/<int:deal_id>/messages")
@operation(
    "对接留言，早的在前（经纪人的沟通记录仅经纪人和管理员可见）",
    secured=True,
    responses={"200": items_of("DealMessageOut")},
    errors=("404",),
)
def list_deal_messages(deal_id):
    return jsonify({"items": DealMessageOut(many=True).dump(deals.thread(require_actor(), deal_id))})


@api_bp.post("/deals/<int:deal_id>/messages")
@operation(
    "留言，可附文件（当事方、技术经纪人、管理员；其他参与者会收到通知）",
    secured=True,
    body={"application/json": "DealMessageIn", "multipart/form-data": MESSAGE_FORM},
    responses={"201": json_of("DealMessageOut", "已发送")},
    errors=("403", "404", "422"),
)
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
@operation(
    "下载留言附件",
    secured=True,
    responses={
        "200": {
            "description": "附件文件（以下载方式返回）",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    errors=("404",),
)
def get_deal_message_file(deal_id, message_id):
    message, path = deals.message_file(require_actor(), deal_id, message_id)
    mimetype = mimetypes.guess_type(message.filename)[0] or "application/octet-stream"
    response = send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=message.filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@api_bp.post("/deals/<int:deal_id>/notes")
@operation(
    "记录电话、会面或备注（该对接的技术经纪人、管理员；当事方看不到）",
    secured=True,
    body="DealNoteIn",
    responses={"201": json_of("DealMessageOut", "已记录")},
    errors=("403", "404", "422"),
)
def add_deal_note(deal_id):
    user = require_actor()
    data = _body(DealNoteIn)
    return jsonify(
        DealMessageOut().dump(deals.add_note(user, deal_id, data.get("kind"), data.get("body")))
    ), 201


@api_bp.post("/deals/<int:deal_id>/nda")
@operation(
    "代表本单位签署本次对接的保密协议（当事方；记录时间和版本；已签署的返回原记录）；"
    "签署后可查看成果的保密信息",
    secured=True,
    responses={"200": json_of("DealNdaOut", "已签署")},
    errors=("403", "404"),
)
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
