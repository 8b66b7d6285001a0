"""揭榜挂帅 vocabularies: stored values and their Chinese labels, and the plan's yearly targets."""

# A call's own lifecycle after the admin has approved its demand (the demand's status says draft/pending/
# published/withdrawn). "open" covers both 征集中 (until the window closes) and 评审中 (after it).
CHALLENGE_PHASES = {
    "open": "征集与评审",
    "racing": "赛马攻关",  # 赛马制: several teams work in parallel until a stage eliminates some
    "selected": "已揭榜",
    "running": "攻关中",
    "accepted": "已验收",
    "cancelled": "已终止",
}
# What the public list shows: computed from the phase, the window and today (services/challenges).
CHALLENGE_PUBLIC_STATUSES = {
    "upcoming": "即将征集",
    "collecting": "征集中",
    "reviewing": "评审中",
    "selected": "已揭榜",
    "running": "攻关中",
    "accepted": "已验收",
    "cancelled": "已终止",
}
SELECTION_MODES = {"single": "单一揭榜方", "race": "赛马制"}
MAX_RACE_TEAMS = 10

APPLICATION_STATUSES = {
    "draft": "草稿",
    "submitted": "已提交",
    "withdrawn": "已撤回",
    "shortlisted": "入围答辩",
    "racing": "赛马中",
    "selected": "已揭榜",
    "eliminated": "已淘汰",
    "not_selected": "未入选",
}

# Every criterion is scored on one scale; a call's criteria weights add up to 100.
SCORE_MIN = 0
SCORE_MAX = 100

MILESTONE_KINDS = {"milestone": "里程碑", "midterm": "中期检查", "final": "验收"}
MILESTONE_STATUSES = {
    "pending": "进行中",
    "submitted": "待验收",
    "accepted": "已通过",
    "rejected": "未通过",
}

CHALLENGE_DOCUMENT_PURPOSES = {
    "plan": "揭榜方案",
    "report": "进展报告",
    "acceptance": "验收材料",
}

# 秦创原 plan, per year: published 重大技术需求榜单 and key projects run through 揭榜挂帅 and 赛马制.
CHALLENGE_YEARLY_TARGETS = {"calls": 10, "projects": 30}

CHALLENGE_AUDIT_ACTIONS = {
    "challenge.create": "发布揭榜挂帅榜单",
    "challenge.update": "修改揭榜挂帅榜单",
    "challenge.cancel": "终止揭榜挂帅榜单",
    "challenge.invite": "邀请揭榜",
    "challenge.apply": "提交揭榜方案",
    "challenge.update_application": "修改揭榜方案",
    "challenge.withdraw_application": "撤回揭榜方案",
    "challenge.add_reviewer": "加入评审专家",
    "challenge.remove_reviewer": "移出评审专家",
    "challenge.declare_conflicts": "声明利益冲突",
    "challenge.submit_review": "提交评分",
    "challenge.shortlist": "入围答辩",
    "challenge.schedule_defense": "安排路演答辩",
    "challenge.select": "定榜",
    "challenge.eliminate": "赛马淘汰",
    "challenge.report": "提交进展报告",
    "challenge.decide_milestone": "里程碑验收决定",
    "challenge.pay": "登记拨付",
    # 发榜、揭榜 (publish part)
    "challenge.clarify": "发布榜单补充说明",
    "challenge.draft_application": "保存揭榜方案草稿",
    "challenge.upload_plan": "上传揭榜方案文件",
    # 评榜 (review): drafts and an admin reopening a reviewer's conflict declaration
    "challenge.save_review": "保存评分草稿",
    "challenge.reopen_conflicts": "重新开放利益冲突声明",
    # 定榜, 攻关与验收 (deliver)
    "challenge.race": "赛马制入围攻关",
}
