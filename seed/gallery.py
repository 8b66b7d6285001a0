"""Pictures and brochures on a few demo listings, uploaded by their owners through
market/services/listing_files (checked, re-encoded and given thumbnails as any upload is) on the day each
listing was published.

The files are drawn when the seed runs (seed/pictures.py): a cover card, for some a card of key terms, and for
two a one-page PDF brochure; each is captioned as an illustration made for the demo.
"""

from market.extensions import db
from market.money import format_fen
from market.services.listing_files import Upload, add_files, set_caption
from market.services.listings import model_for
from seed import pictures
from seed.timeline import Timeline, happening

CAPTION = "示意图（演示数据自动生成）"
BROCHURE_CAPTION = "推介资料（演示数据自动生成）"

# kind → title → what its owner uploads: "cover", "terms" (a card of its key terms), "brochure" (a PDF)
GALLERY = {
    "achievement": {
        "高镍三元正极材料单晶化与表面包覆一体化制备技术": ("cover", "terms", "brochure"),
        "大型旋转机械振动故障智能诊断与预测性维护系统": ("cover", "terms"),
        "遥感影像地物智能解译平台": ("cover",),
        "航空发动机涡轮叶片精密铸造型壳快速制备技术": ("cover",),
        "氮化镓高电子迁移率晶体管功率器件外延结构": ("cover",),
    },
    "demand": {
        "【揭榜挂帅】高镍正极材料高温循环性能提升技术攻关": ("cover", "brochure"),
        "【揭榜挂帅】工业质检小样本缺陷检测通用模型": ("cover",),
        "正极材料前驱体共沉淀过程在线粒度监测": ("cover",),
    },
    "equipment": {
        "球差校正透射电子显微镜": ("cover", "terms"),
        "X射线光电子能谱仪": ("cover",),
        "工业CT无损检测系统": ("cover",),
    },
}
FILE_NAMES = {"cover": "封面示意图.jpg", "terms": "关键词示意图.jpg"}
BROCHURE_NAMES = {"achievement": "成果推介资料.pdf", "demand": "榜单说明.pdf", "equipment": "仪器介绍.pdf"}


def load_demo_gallery(progress, timeline: Timeline, users: dict, created: dict, skip=frozenset()) -> int:
    """Upload the demo pictures and brochures; `users` maps e-mail to account, `created` (kind, title) to
    (the listing's id, its owner's e-mail); the titles in `skip` got theirs already (the 揭榜挂帅 calls,
    before their review: seed/challenges.py). Returns how many files were stored."""
    stored = 0
    for kind, titles in GALLERY.items():
        for title in titles:
            if title in skip:
                continue
            listing_id, owner_email = created[(kind, title)]
            listing = db.session.get(model_for(kind), listing_id)
            with happening(timeline.after(listing.published_at, 0, f"files:{kind}:{title}")):
                stored += add_demo_files(users[owner_email], kind, listing)
    progress(f"图片与资料 {stored}")
    return stored


def add_demo_files(owner, kind: str, listing) -> int:
    """The owner uploads and captions the listing's demo files (none when it has none); how many."""
    wanted = GALLERY[kind].get(listing.title, ())
    if not wanted:
        return 0
    rows = add_files(owner, kind, listing.id, [_drawn(kind, what, listing) for what in wanted])
    for row_id, is_pdf in [(row.id, row.file_kind == "pdf") for row in rows]:
        set_caption(owner, kind, listing.id, row_id, BROCHURE_CAPTION if is_pdf else CAPTION)
    return len(rows)


def _drawn(kind: str, what: str, listing) -> Upload:
    field = listing.field.name if listing.field else "其他"
    org = listing.organisation.name
    if what == "cover":
        content = pictures.cover_card(kind, listing.title, field, org, _subtitle(kind, listing))
    elif what == "terms":
        if kind == "equipment":
            content = pictures.keyword_card(
                listing.title, field, [f.label for f in listing.fee_items], "服务项目"
            )
        else:
            content = pictures.keyword_card(listing.title, field, listing.keyword_list)
    else:
        content = pictures.brochure_pdf(
            kind, listing.title, org, field, _facts(kind, listing, field), listing.body
        )
        return Upload(f"{listing.title}-{BROCHURE_NAMES[kind]}", content)
    return Upload(FILE_NAMES[what], content)


def _subtitle(kind: str, listing) -> str:
    if kind == "achievement":
        return listing.maturity or ""
    if kind == "demand":
        return (
            f"揭榜奖励 {format_fen(listing.reward_fen)}" if listing.open_call and listing.reward_fen else ""
        )
    return listing.category


def _facts(kind: str, listing, field: str) -> list[tuple[str, str]]:
    if kind == "achievement":
        maturity = listing.maturity or "—"
        return [
            ("技术领域", field),
            ("成熟度", f"{maturity}（TRL {listing.trl}）" if listing.trl else maturity),
            ("转化方式", "、".join(listing.transfer_modes or []) or "—"),
            ("参考价格", format_fen(listing.price_fen)),
            ("关键词", "、".join(listing.keyword_list) or "—"),
        ]
    if kind == "demand":
        budget = (
            f"{format_fen(listing.budget_min_fen)}–{format_fen(listing.budget_max_fen)}"
            if listing.budget_min_fen and listing.budget_max_fen
            else format_fen(listing.budget_max_fen or listing.budget_min_fen)
        )
        facts = [("技术领域", field), ("合作方式", listing.cooperation_mode or "—"), ("预算", budget)]
        if listing.open_call:
            facts.append(("揭榜奖励", format_fen(listing.reward_fen)))
        if listing.deadline:
            facts.append(("截止日期", listing.deadline.isoformat()))
        return facts
    return [("类别", listing.category), ("型号", listing.model or "—"), ("地点", listing.location or "—")]
