"""Who follows what in the demo (关注 and 收藏), written through market/services/follows, so that 我的关注
is not empty for the demo accounts and 关注动态 notifications arrive as they would have.

Organisations and fields are followed a few days after the account (and the followed organisation) joined,
before the listings are published: each listing published afterwards tells its followers, on its day, as the
worker would have. Listings are saved a few days after they were published.
"""

from sqlalchemy import select

from market.extensions import db
from market.models import Field, Organisation
from market.services.follows import follow
from market.services.listings import model_for
from seed.organisations import INSTITUTION_ACCOUNTS, OPERATOR, REGISTERED_ACCOUNTS
from seed.timeline import Timeline, happening

FOLLOWS = {
    # the cathode-material maker watches the university whose battery results it could use, and its own field
    "enterprise@demo.qcy": {
        "organisations": ["西安交通大学"],
        "fields": ["新材料"],
        "saved": [
            ("achievement", "高镍三元正极材料单晶化与表面包覆一体化制备技术"),
            ("equipment", "X射线光电子能谱仪"),
        ],
    },
    # the university's transfer office watches the enterprise that asks for what its labs do
    "university@demo.qcy": {
        "organisations": ["西咸新区沣东澄源新材料科技有限公司"],
        "fields": ["新能源与节能"],
        "saved": [
            ("demand", "【揭榜挂帅】高镍正极材料高温循环性能提升技术攻关"),
            ("demand", "工商业储能电站电池簇一致性在线评估"),
        ],
    },
    "broker@demo.qcy": {
        "organisations": ["西北工业大学", "西咸新区沣西云析智能科技有限公司"],
        "fields": ["人工智能", "航空航天"],
        "saved": [
            ("achievement", "小型固定翼无人机集群协同控制系统"),
            ("demand", "【揭榜挂帅】工业质检小样本缺陷检测通用模型"),
        ],
    },
    # the operator keeps the open calls of the plan's 揭榜挂帅 target in view
    "admin@demo.qcy": {
        "organisations": [],
        "fields": ["氢能"],
        "saved": [
            ("demand", "【揭榜挂帅】兆瓦级碱性电解槽宽功率波动适应技术"),
            ("demand", "【揭榜挂帅】mRNA疫苗递送用可电离脂质国产化"),
        ],
    },
    # the government observer follows a university and a field it reports on, and an open call (the VOCs call
    # it once saved has been accepted since: seed/challenges.py)
    "viewer@demo.qcy": {
        "organisations": ["西北工业大学"],
        "fields": ["航空航天"],
        "saved": [("demand", "【揭榜挂帅】低功耗广域物联网通信SoC芯片设计")],
    },
    "ai@demo.qcy": {
        "organisations": ["西安电子科技大学"],
        "fields": ["人工智能"],
        "saved": [("achievement", "遥感影像地物智能解译平台")],
    },
}
_ACCOUNTS = [OPERATOR, *INSTITUTION_ACCOUNTS, *REGISTERED_ACCOUNTS]


def load_demo_follows(progress, timeline: Timeline, users: dict) -> int:
    """The organisations and fields the demo accounts follow (before any listing is published)."""
    count = 0
    for email, wanted in FOLLOWS.items():
        user = users[email]
        for number, name in enumerate(wanted["organisations"]):
            org_id = db.session.scalar(select(Organisation.id).where(Organisation.name == name))
            joined = max(timeline.joined[email], _organisation_joined(timeline, name))
            with happening(timeline.after(joined, 3 + number, f"follow:{email}:{name}")):
                follow(user, {"kind": "organisation", "target_id": org_id})
            count += 1
        for number, name in enumerate(wanted["fields"]):
            field_id = db.session.scalar(select(Field.id).where(Field.name == name))
            with happening(timeline.after(timeline.joined[email], 5 + number, f"follow:{email}:{name}")):
                follow(user, {"kind": "field", "target_id": field_id})
            count += 1
    progress(f"关注单位与技术领域 {count}")
    return count


def load_demo_saved(progress, timeline: Timeline, users: dict, created: dict) -> int:
    """The listings the demo accounts saved, a few days after each was published; `created` maps (kind, title)
    to (the listing's id, its owner's e-mail)."""
    count = 0
    for email, wanted in FOLLOWS.items():
        for kind, title in wanted["saved"]:
            listing_id = created[(kind, title)][0]
            published = db.session.get(model_for(kind), listing_id).published_at
            with happening(timeline.after(published, 2 + count % 4, f"save:{email}:{kind}:{title}")):
                follow(users[email], {"kind": kind, "target_id": listing_id})
            count += 1
    progress(f"收藏 {count}")
    return count


def _organisation_joined(timeline: Timeline, name: str):
    """When the first account of an organisation was opened (a registered one is verified a day later)."""
    return min(timeline.joined[a["email"]] for a in _ACCOUNTS if a["org"]["name"] == name)
