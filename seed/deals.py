"""Demo deals (对接): a few enterprises asking about demo results, at different stages, through the deal
service.

One waits for a broker (the demo broker can claim it), one is being negotiated with messages and a next step,
one went quiet (shows as stale), one ended. Texts are made up for the demo.
"""

from datetime import timedelta

from sqlalchemy import func, select

from market.extensions import db
from market.models import Achievement, Deal, User
from market.services import deals
from seed.contracts import demo_timeline
from seed.timeline import Timeline, happening

# (enterprise email, words of the result's title, broker email or None, stage, messages, days since it opened)
DEALS = [
    (
        "enterprise@demo.qcy",
        "正极",
        None,
        "intent",
        ["我公司动力电池循环寿命不足，想了解该技术的中试数据和授权方式。"],
        1,
    ),
    (
        "ai@demo.qcy",
        "目标检测",
        "broker@demo.qcy",
        "negotiation",
        [
            "希望把该算法用于我们的工业质检产品，能否安排一次技术交流？",
            "已约下周二线上交流，请双方准备技术资料。",
        ],
        9,
    ),
    ("bio@demo.qcy", "重组胶原蛋白", "broker2@demo.qcy", "stale", ["想了解该工艺的放大生产数据。"], None),
    ("aero@demo.qcy", "涡轮叶片", "broker@demo.qcy", "terminated", ["询问技术许可条件。"], 34),
]


def load_demo_deals(progress=print, timeline: Timeline | None = None) -> int:
    """Open the demo deals unless there are deals already, each step on its day; returns how many were
    opened."""
    if db.session.scalar(select(func.count()).select_from(Deal)):
        return 0
    timeline = timeline or demo_timeline()
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%@demo.qcy")))}
    results = list(
        db.session.scalars(
            select(Achievement).where(Achievement.status == "published").order_by(Achievement.id)
        )
    )
    opened, used = 0, set()
    for email, words, broker_email, stage, messages, age in DEALS:
        asker = users.get(email)
        result = next(
            (
                r
                for r in results
                if words in r.title and r.id not in used and r.org_id != asker.organisation_id
            ),
            None,
        )
        if asker is None or result is None or not asker.is_verified:
            continue
        used.add(result.id)
        # A stale deal has been quiet for a week longer than the stale threshold.
        age = deals.stale_days() + 8 if age is None else age
        key = f"deal:{email}:{words}"
        moment = timeline.days_ago(
            age, key, earliest=max(result.published_at, timeline.joined.get(email, asker.created_at))
        )
        with happening(moment):
            deal, _ = deals.open_deal(asker, {"achievement_id": result.id, "message": messages[0]})
        broker = users.get(broker_email) if broker_email else None
        if broker is not None:
            moment = timeline.after(moment, 1 if stage != "stale" else 2, key + ":assign")
            with happening(moment):
                deals.assign_broker(users["admin@demo.qcy"], deal.id, broker.id)
            for number, text in enumerate(messages[1:], start=1):
                moment = timeline.after(moment, 1, f"{key}:message{number}")
                with happening(moment):
                    deals.post_message(broker, deal.id, text)
        if stage == "negotiation":
            moment = timeline.after(moment, 2, key + ":negotiation")
            with happening(moment):
                deals.move_stage(broker, deal.id, "negotiation")
                deals.set_next_action(
                    broker,
                    deal.id,
                    {
                        "next_action": "组织线上技术交流",
                        "next_action_due": (timeline.today + timedelta(days=5)).isoformat(),
                    },
                )
        elif stage == "terminated":
            with happening(timeline.after(moment, 12, key + ":terminated")):
                deals.move_stage(broker, deal.id, "terminated", reason="price", note="许可费用预期差距较大")
        opened += 1
    progress(f"对接 {opened}/{len(DEALS)}")
    return opened
