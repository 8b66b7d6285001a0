"""评榜 over JSON, with the pages' rules: the panel (the call's owner and admins), a reviewer's declaration,
queue and review, the ranking, and the 路演答辩 shortlist.

A token is asked for first (401); the services then decide: a call or application the actor may not see is
404, an action their part does not allow 403, a step the call's stage does not allow (declaring before the
window closes, editing a submitted review) 409, bad input 422 with a message per field (scores.<criterion
id>, declarations.<application id>)."""

from flask import jsonify

from market.api.blueprint import api_bp
from market.api.common import json_body, optional_json_body, reject_unknown_fields, require_actor
from market.api.docs import operation
from market.schemas.challenge_reviews import (
    ChallengeConflictsIn,
    ChallengeRankingOut,
    ChallengeReopenIn,
    ChallengeReviewerIn,
    ChallengeReviewIn,
    ChallengeReviewOut,
    ChallengeShortlistIn,
    DefenseSlotOut,
    PanelMemberOut,
    PanelOut,
    ReviewQueueOut,
)
from market.services import challenges

CHALLENGE_ID = {"id": "揭榜挂帅榜单编号"}
APPLICATION_ID = {"id": "揭榜方案编号"}


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


def _person(user) -> dict:
    return {
        "id": user.id,
        "name": user.display_name,
        "role": user.role,
        "organisation": user.organisation.name if user.organisation else None,
    }


def _member(member) -> dict:
    seat = member.seat
    return {
        "id": seat.id,
        "user": _person(seat.user),
        "expertise": seat.expertise,
        "declared": member.declared,
        "declared_at": seat.declared_at,
        "has_conflicts": member.has_conflicts if member.declared else None,
        "submitted": member.submitted,
        "expected": member.expected,
        "drafts": member.drafts,
    }


def _member_of(actor, challenge_id, seat_id) -> dict:
    _challenge, members, _state = challenges.panel_members(actor, challenge_id)
    return _member(next(member for member in members if member.seat.id == seat_id))


def _queue(queue) -> dict:
    return ReviewQueueOut().dump(
        {
            "challenge_id": queue.challenge.id,
            "stage": queue.stage,
            "declared_at": queue.seat.declared_at,
            "close_on": queue.challenge.applications_close_on,
            "items": [
                {
                    "application_id": item.application.id,
                    "organisation": item.application.organisation.name,
                    "status": item.application.status,
                    "own_org": item.own_org,
                    "conflict": item.conflict,
                    "review_state": item.review_state,
                    "defense_at": None if item.conflict else item.application.defense_at,
                }
                for item in queue.items
            ],
        }
    )


def _scores(criteria, scores: dict, comments: dict) -> list[dict]:
    return [
        {
            "criterion_id": criterion.id,
            "name": criterion.name,
            "weight": criterion.weight,
            "score": scores.get(criterion.id),
            "comment": comments.get(criterion.id),
        }
        for criterion in criteria
    ]


def _application_scores(row, criteria) -> dict:
    application = row.application
    return {
        "application_id": application.id,
        "organisation": application.organisation.name,
        "status": application.status,
        "rank": row.rank,
        "tied": row.tied,
        "total": None if row.total is None else row.total_text,
        "total_exact": None if row.total is None else str(row.total),
        "criterion_means": [
            {"criterion_id": criterion.id, "mean": _two(row.criterion_means.get(criterion.id))}
            for criterion in criteria
        ],
        "submitted": row.submitted,
        "expected": row.expected,
        "missing": [{"reviewer": name, "reason": why} for name, why in row.missing],
        "reviews": [
            {
                "reviewer": line.reviewer,
                "mine": line.mine,
                "scores": _scores(criteria, line.scores, line.comments),
                "comment": line.comment,
                "weighted": f"{line.weighted}",
                "submitted_at": line.submitted_at,
            }
            for line in row.reviews
        ],
        "defense_at": application.defense_at,
        "defense_place": application.defense_place,
    }


def _two(value) -> str | None:
    rounded = challenges.two_places(value)
    return None if rounded is None else f"{rounded}"


def _review(mine) -> dict:
    review, criteria = mine.review, mine.criteria
    saved = mine.scores
    state = "todo" if review is None else ("submitted" if mine.submitted else "draft")
    return ChallengeReviewOut().dump(
        {
            "application_id": mine.application.id,
            "state": state,
            "editable": mine.editable,
            "submitted_at": review.submitted_at if review else None,
            "comment": review.comment if review else None,
            "weighted": None if mine.weighted is None else f"{mine.weighted}",
            "scores": _scores(
                criteria,
                {cid: score.score for cid, score in saved.items()},
                {cid: score.comment for cid, score in saved.items()},
            ),
            "all_scores": _application_scores(mine.scores_of_all, criteria) if mine.scores_of_all else None,
        }
    )


# ---- the panel ---------------------------------------------------------------------------------------------


@api_bp.get("/challenges/<int:challenge_id>/reviewers")
@operation(
    "评审专家组（发榜单位和管理员）：每位专家是否已声明利益冲突（不说明与哪份方案）及评审进度",
    secured=True,
    responses={"200": "PanelOut"},
    errors=("403", "404"),
    path_descriptions=CHALLENGE_ID,
)
def list_reviewers(challenge_id):
    user = require_actor()
    challenge, members, _state = challenges.panel_members(user, challenge_id)
    return jsonify(PanelOut().dump({"challenge_id": challenge.id, "items": [_member(m) for m in members]}))


@api_bp.post("/challenges/<int:challenge_id>/reviewers")
@operation(
    "加入评审专家（发榜单位和管理员；榜单已发布且未定榜）：技术经纪人或已注册的专家，按 user_id 或 email；"
    "发榜单位成员、管理员、政府观察员和未认证单位的用户不能担任；本人会收到通知",
    secured=True,
    body="ChallengeReviewerIn",
    responses={"201": "PanelMemberOut"},
    errors=("403", "404", "409", "422"),
    path_descriptions=CHALLENGE_ID,
)
def add_reviewer(challenge_id):
    user = require_actor()
    seat = challenges.add_reviewer(user, challenge_id, _body(ChallengeReviewerIn))
    return jsonify(PanelMemberOut().dump(_member_of(user, challenge_id, seat.id))), 201


@api_bp.delete("/challenges/<int:challenge_id>/reviewers/<int:reviewer_id>")
@operation(
    "移出评审专家（发榜单位和管理员）：仅限尚未提交任何评分的专家，其草稿一并删除（已提交时 409）",
    secured=True,
    responses={"204": {"description": "已移出"}},
    errors=("403", "404", "409"),
    path_descriptions={**CHALLENGE_ID, "reviewer_id": "评审席位编号（GET …/reviewers 的 id）"},
)
def remove_reviewer(challenge_id, reviewer_id):
    user = require_actor()
    challenges.remove_reviewer(user, challenge_id, reviewer_id)
    return "", 204


@api_bp.post("/challenges/<int:challenge_id>/reviewers/<int:reviewer_id>/reopen")
@operation(
    "重新开放某位专家的利益冲突声明（仅管理员，评审中；原因写入审计日志）：专家须重新声明",
    secured=True,
    body="ChallengeReopenIn",
    responses={"200": "PanelMemberOut"},
    errors=("403", "404", "409", "422"),
    path_descriptions={**CHALLENGE_ID, "reviewer_id": "评审席位编号"},
)
def reopen_conflicts(challenge_id, reviewer_id):
    user = require_actor()
    seat = challenges.reopen_conflicts(user, challenge_id, reviewer_id, _body(ChallengeReopenIn))
    return jsonify(PanelMemberOut().dump(_member_of(user, challenge_id, seat.id)))


# ---- a reviewer's declaration, queue and review ------------------------------------------------------------


@api_bp.post("/challenges/<int:challenge_id>/conflicts")
@operation(
    "提交本人的利益冲突声明（评审专家，申报截止后、定榜前，一次）：对每份揭榜方案声明有无冲突，有冲突须说明原因；"
    "本人所在单位的方案必须声明冲突。声明后才能查看和评分无冲突的方案",
    secured=True,
    body="ChallengeConflictsIn",
    responses={"200": "ReviewQueueOut"},
    errors=("403", "404", "409", "422"),
    path_descriptions=CHALLENGE_ID,
)
def declare_conflicts(challenge_id):
    user = require_actor()
    challenges.declare_conflicts(user, challenge_id, _body(ChallengeConflictsIn))
    return jsonify(_queue(challenges.review_queue(user, challenge_id)))


@api_bp.get("/challenges/<int:challenge_id>/review-queue")
@operation(
    "我的评审（评审专家）：待声明时列出各申报单位，声明后列出待评分、草稿、已提交和已回避的方案",
    secured=True,
    responses={"200": "ReviewQueueOut"},
    errors=("403", "404"),
    path_descriptions=CHALLENGE_ID,
)
def get_review_queue(challenge_id):
    user = require_actor()
    return jsonify(_queue(challenges.review_queue(user, challenge_id)))


@api_bp.get("/challenge-applications/<int:application_id>/review")
@operation(
    "我对该揭榜方案的评分（已声明且无冲突的评审专家）；本人提交后、定榜前附全部专家的评分",
    secured=True,
    responses={"200": "ChallengeReviewOut"},
    errors=("403", "404"),
    path_descriptions=APPLICATION_ID,
)
def get_review(application_id):
    user = require_actor()
    return jsonify(_review(challenges.get_my_review(user, application_id)))


@api_bp.put("/challenge-applications/<int:application_id>/review")
@operation(
    "保存评分草稿（整体替换：未列出或 score 为 null 的标准记为未评）；已提交的评分不能修改（409）",
    secured=True,
    body="ChallengeReviewIn",
    responses={"200": "ChallengeReviewOut"},
    errors=("403", "404", "409", "422"),
    path_descriptions=APPLICATION_ID,
)
def save_review(application_id):
    user = require_actor()
    challenges.save_review(user, application_id, _body(ChallengeReviewIn))
    return jsonify(_review(challenges.get_my_review(user, application_id)))


@api_bp.post("/challenge-applications/<int:application_id>/review/submit")
@operation(
    "提交评分（一次，提交后任何人不能修改）：每项评审标准都须打分。可带评分内容（先保存再提交），不带则提交已保存的草稿",
    secured=True,
    body="ChallengeReviewIn",
    body_required=False,
    responses={"200": "ChallengeReviewOut"},
    errors=("403", "404", "409", "422"),
    path_descriptions=APPLICATION_ID,
)
def submit_review(application_id):
    user = require_actor()
    data = optional_json_body()
    reject_unknown_fields(data, ChallengeReviewIn().fields)
    challenges.submit_review(user, application_id, data or None)
    return jsonify(_review(challenges.get_my_review(user, application_id)))


# ---- the ranking and the shortlist -------------------------------------------------------------------------


@api_bp.get("/challenges/<int:challenge_id>/ranking")
@operation(
    "评审结果：发榜单位和管理员看到全部方案的排名（并列同名次，并列按提交先后）、各标准平均分、每位专家的评分和尚缺的评分；"
    "评审专家在定榜前只看到本人已提交评分的方案（专家以编号显示）；申报单位看不到评分",
    secured=True,
    responses={"200": "ChallengeRankingOut"},
    errors=("403", "404"),
    path_descriptions=CHALLENGE_ID,
)
def get_ranking(challenge_id):
    user = require_actor()
    ranked = challenges.ranking(user, challenge_id)
    criteria = ranked.criteria
    return jsonify(
        ChallengeRankingOut().dump(
            {
                "challenge_id": ranked.challenge.id,
                "full": ranked.full,
                "complete": ranked.complete,
                "criteria": criteria,
                "items": [_application_scores(row, criteria) for row in ranked.rows],
            }
        )
    )


@api_bp.post("/challenge-applications/<int:application_id>/shortlist")
@operation(
    "入围路演答辩并安排答辩时间（发榜单位和管理员，评审中）：北京时间，不早于现在、一年以内，同一榜单不能同一分钟；"
    "已入围的再次提交即修改安排。团队会收到通知",
    secured=True,
    body="ChallengeShortlistIn",
    responses={"200": "DefenseSlotOut"},
    errors=("403", "404", "409", "422"),
    path_descriptions=APPLICATION_ID,
)
def shortlist_application(application_id):
    user = require_actor()
    application = challenges.shortlist_application(user, application_id, _body(ChallengeShortlistIn))
    return jsonify(
        DefenseSlotOut().dump(
            {
                "application_id": application.id,
                "status": application.status,
                "defense_at": application.defense_at,
                "defense_place": application.defense_place,
            }
        )
    )
