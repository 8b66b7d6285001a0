"""Demo 揭榜挂帅 calls (issue 19): four of the demo's open-call demands are published as calls, one in each
public status, through the challenge services on the days it happened (seed/timeline.py):

- 征集中: the demo enterprise's call, two applications in (the demo university can still apply);
- 评审中: closed last week, three applications, a panel of two brokers: one has scored them all, the demo
  broker has yet to declare conflicts and score (its workspace shows 待评审);
- 攻关中 (赛马制): two teams racing since four months ago, the first milestone of one accepted and paid, the
  other's report waiting for the owner's decision;
- 已验收: a single winner that delivered both milestones, each accepted and paid.

The calls run after the demo deals and contracts (which load only into empty tables): a selection opens a deal
and drafts a 技术开发 contract. Plans are one-page PDFs drawn like the listings' brochures."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from market.clock import in_beijing
from market.extensions import db
from market.models import User
from market.models.challenge_project import ProjectMilestone
from market.money import fen_to_yuan
from market.services import challenges
from market.services.listings import change_status
from seed import pictures
from seed.demands import DEMANDS
from seed.gallery import add_demo_files
from seed.organisations import ADMIN_EMAIL, CONTACTS
from seed.timeline import Timeline, happening

CRITERIA = [
    {"name": "技术先进性", "weight": 40, "description": "技术路线的先进性与考核指标的可达性"},
    {"name": "实施方案可行性", "weight": 35, "description": "进度、预算与风险应对"},
    {"name": "团队与前期基础", "weight": 25, "description": "团队经验、已有成果与平台条件"},
]
PLAN = "技术路线：{route}。\n进度安排：按榜单里程碑分阶段完成，每个节点提交检测报告。\n保障条件：{base}。"


@dataclass
class Call:
    title: str  # a demand of seed/demands.py, published as this call instead of as a plain demand
    stage: str  # collecting | reviewing | racing | accepted
    opened: int  # days ago the window opened (published the day before)
    window: int  # days the window stays open
    milestones: list  # (kind, title, deliverable, days after the window closes, tranche %)
    applications: list  # (e-mail, budget, technical route, base), in the order they came in
    panel: list = field(default_factory=list)  # broker e-mails (under review: only the first has scored)
    scores: list = field(default_factory=list)  # per application, per criterion (reviewers differ a little)
    chosen: tuple = ()  # positions of the applications raced (赛马制) or selected
    race_teams: int | None = None


CALLS = [
    Call(
        "【揭榜挂帅】高镍正极材料高温循环性能提升技术攻关",
        "collecting",
        opened=8,
        window=40,
        milestones=[
            ("milestone", "百公斤级验证", "第三方检测报告", 180, 40),
            ("final", "产线验收", "验收报告", 360, 60),
        ],
        applications=[
            ("nwpu@demo.qcy", "150万", "单晶化与原子层沉积包覆一体化工艺", "学校新能源材料中试平台"),
            ("opt@demo.qcy", "120万", "激光辅助表面改性与在线检测", "研究所精密检测平台"),
        ],
    ),
    Call(
        "【揭榜挂帅】工业质检小样本缺陷检测通用模型",
        "reviewing",
        opened=40,
        window=33,
        milestones=[
            ("midterm", "模型原型与中期检查", "测试集评测报告", 90, 40),
            ("final", "三家企业产线验证", "验收报告", 240, 60),
        ],
        applications=[
            ("xidian@demo.qcy", "28万", "自监督预训练加少样本度量学习", "学校智能感知实验室"),
            ("nwpu@demo.qcy", "30万", "缺陷合成数据与视觉大模型微调", "学校工业视觉联合实验室"),
            ("xaut@demo.qcy", "25万", "轻量化检测网络与边缘部署", "学校先进制造实验室"),
        ],
        panel=["broker2@demo.qcy", "broker@demo.qcy"],  # the demo broker has not declared yet
        scores=[(88, 82, 80), (84, 86, 78), (76, 80, 82)],
    ),
    Call(
        "【揭榜挂帅】mRNA疫苗递送用可电离脂质国产化",
        "racing",
        opened=160,
        window=30,
        milestones=[
            ("milestone", "候选脂质合成与筛选", "筛选报告", 60, 30),
            ("midterm", "动物表达与中期检查", "动物实验报告", 160, 30),
            ("final", "公斤级放大与验收", "验收报告", 330, 40),
        ],
        applications=[
            ("nwu@demo.qcy", "60万", "可降解酯键可电离脂质库与高通量筛选", "学校药物递送重点实验室"),
            ("snnu@demo.qcy", "55万", "天然来源脂质骨架改造", "学校药用资源与天然药物化学实验室"),
            ("nwafu@demo.qcy", "50万", "动物用mRNA疫苗脂质体筛选", "学校动物医学实验平台"),
        ],
        panel=["broker2@demo.qcy", "broker3@demo.qcy"],
        scores=[(90, 85, 86), (84, 82, 88), (72, 74, 80)],
        chosen=(0, 1),
        race_teams=2,
    ),
    Call(
        "【揭榜挂帅】工业园区VOCs走航监测溯源技术",
        "accepted",
        opened=250,
        window=30,
        milestones=[
            ("midterm", "走航系统集成与中期检查", "中期检查报告", 60, 40),
            ("final", "园区示范与验收", "验收报告", 180, 60),
        ],
        applications=[
            ("chd@demo.qcy", "30万", "车载质谱走航与反向轨迹溯源", "学校环境工程实验室"),
            ("xaut@demo.qcy", "28万", "光谱走航与网格化溯源模型", "学校环境监测平台"),
        ],
        panel=["broker3@demo.qcy"],
        scores=[(86, 84, 82), (80, 78, 80)],
        chosen=(0,),
    ),
]
CALLED = {call.title for call in CALLS}


def load_demo_challenges(progress, timeline: Timeline, users: dict, created: dict) -> tuple[int, int]:
    """Publish the demo calls and replay each up to its stage; `created` learns their demands as (kind, title)
    → (id, owner's e-mail), as the listings' loader records them. Returns how many calls were published and
    how many pictures and brochures went with them."""
    demands = {item["title"]: item for item in DEMANDS if item["title"] in CALLED}
    runner = _Runner(timeline, users)
    for number, call in enumerate(CALLS, start=1):
        challenge = runner.run(call, demands[call.title])
        created[("demand", call.title)] = (challenge.demand_id, demands[call.title]["owner"])
        progress(f"揭榜挂帅榜单 {number}/{len(CALLS)}")
    return len(CALLS), runner.files


class _Runner:
    def __init__(self, timeline: Timeline, users: dict):
        self.timeline, self.users = timeline, users
        self.admin = users[ADMIN_EMAIL]
        self.applicants: dict[int, User] = {}  # application id → the account that applied
        self.files = 0

    def day(self, days_ago: int, key: str, earliest: datetime | None = None) -> datetime:
        return self.timeline.days_ago(days_ago, key, earliest)

    def run(self, call: Call, item: dict):
        owner = self.users[item["owner"]]
        opened, closed = call.opened, call.opened - call.window  # days ago (closed < 0: still to come)
        with happening(self.day(opened + 2, "call:" + call.title)):
            challenge = challenges.create_call(owner, self._call_data(call, item))
            # pictures go with the call to its review (a published call that changes is reviewed again)
            self.files += add_demo_files(owner, "demand", challenge.demand)
        with happening(self.day(opened + 1, "approve:" + call.title)):
            change_status(self.admin, "demand", challenge.demand_id, "approve")
        # applications spread over the window (over its first days while it is open: read by now)
        step = max(1, (opened - max(closed, 3)) // (len(call.applications) + 1))
        applications = [
            self._apply(challenge, call, email, budget, route, base, opened - step * (n + 1))
            for n, (email, budget, route, base) in enumerate(call.applications)
        ]
        if call.panel:
            self._review(challenge, call, owner, applications, closed)
        if call.chosen:
            self._deliver(challenge, call, owner, applications, closed)
        return challenge

    def _call_data(self, call: Call, item: dict) -> dict:
        lines = item["description"].split("\n")
        open_on = self.timeline.today - timedelta(days=call.opened)  # the day after the admin approved it
        close_on = open_on + timedelta(days=call.window)
        name, phone = CONTACTS[item["owner"]]
        return {
            "programme": "秦创原（西咸）2026年度重大技术需求榜单",
            "title": item["title"],
            "description": "\n".join(line for line in lines if not line.startswith("考核指标")),
            "field": item["field"],
            "reward_yuan": item["reward_yuan"],
            "indicators": next(line for line in lines if line.startswith("考核指标")).removeprefix(
                "考核指标："
            ),
            "funding_shares": [
                {"source": "发榜企业", "percent": 70},
                {"source": "西咸新区科技创新专项", "percent": 30},
            ],
            "eligible_org_kinds": [],
            "eligible_regions": [],
            "qualifications": "具有相关领域省级以上科研平台或同类项目经验",
            "applications_open_on": open_on.isoformat(),
            "applications_close_on": close_on.isoformat(),
            "criteria": CRITERIA,
            "milestones": [
                {
                    "kind": kind,
                    "title": title,
                    "deliverable": deliverable,
                    "due_on": (close_on + timedelta(days=days)).isoformat(),
                    "tranche_percent": percent,
                }
                for kind, title, deliverable, days, percent in call.milestones
            ],
            "selection_mode": "race" if call.race_teams else "single",
            "race_teams": call.race_teams,
            "contact_name": name,
            "contact_phone": phone,
            "contact_email": item["owner"],
        }

    def _apply(self, challenge, call: Call, email: str, budget: str, route: str, base: str, days_ago: int):
        applicant = self.users[email]
        data = {
            "plan": PLAN.format(route=route, base=base),
            "budget_yuan": budget,
            "team": [
                {"name": CONTACTS[email][0].replace("老师", "教授"), "title": "教授", "role": "项目负责人"},
                {"name": "赵工", "title": "高级工程师", "role": "工程化与测试"},
            ],
            "schedule": [
                {"milestone_id": m.id, "planned_on": (m.due_on - timedelta(days=7)).isoformat()}
                for m in challenge.milestones
            ],
        }
        org = applicant.organisation.name
        plan = pictures.brochure_pdf(
            "plan",
            f"揭榜方案：{call.title.removeprefix('【揭榜挂帅】')}",
            org,
            challenge.demand.field.name,
            [("揭榜单位", org), ("项目预算", budget + "元"), ("技术路线", route)],
            data["plan"],
        )
        with happening(self.day(days_ago, f"apply:{email}:{call.title}")):
            application = challenges.create_application(
                applicant, challenge.id, data, submit=True, plan_file=("揭榜方案.pdf", plan)
            )
        self.applicants[application.id] = applicant
        return application

    def _review(self, challenge, call: Call, owner, applications, closed: int) -> None:
        for email in call.panel:
            with happening(self.day(closed - 1, f"panel:{email}:{call.title}")):
                challenges.add_reviewer(owner, challenge.id, {"user_id": self.users[email].id})
        # the first reviewer of a call under review has scored; on a decided call, everyone has
        scoring = call.panel if call.chosen else call.panel[:1]
        for n, email in enumerate(scoring):
            reviewer = self.users[email]
            declared = [{"application_id": a.id, "conflict": False} for a in applications]
            with happening(self.day(closed - 2, f"declare:{email}:{call.title}")):
                challenges.declare_conflicts(reviewer, challenge.id, {"declarations": declared})
            for application, scores in zip(applications, call.scores, strict=True):
                body = {
                    "scores": [
                        {"criterion_id": c.id, "score": s + (5 if n % 2 else -3) * (i % 2)}
                        for i, (c, s) in enumerate(zip(challenge.criteria, scores, strict=True))
                    ],
                    "comment": "技术路线清晰，建议补充工程化放大的风险评估。",
                }
                with happening(self.day(closed - 3, f"score:{email}:{application.id}")):
                    challenges.save_review(reviewer, application.id, body)
                    challenges.submit_review(reviewer, application.id)

    def _deliver(self, challenge, call: Call, owner, applications, closed: int) -> None:
        chosen = [applications[i] for i in call.chosen]
        action = "race" if call.race_teams else "select"
        reason = "综合评审排名靠前，技术路线互补" if call.race_teams else "评审排名第一，方案可行性最好"
        with happening(self.day(closed - 6, f"select:{call.title}")):
            challenges.decide_selection(
                owner,
                challenge.id,
                {"action": action, "application_ids": [a.id for a in chosen], "reason": reason},
            )
        due = [closed - days for *_, days, _percent in call.milestones]  # days ago each milestone is due
        if call.stage == "racing":  # the leader's first milestone accepted and paid; the other's report waits
            self._milestone(owner, chosen[0], 0, reported=due[0] + 5, paid=True)
            self._milestone(owner, chosen[1], 0, reported=10, paid=False)  # late
        else:  # delivered on time, each milestone accepted and paid
            for position, days_ago in enumerate(due):
                self._milestone(owner, chosen[0], position, reported=days_ago + 3, paid=True)

    def _milestone(self, owner, application, position: int, reported: int, paid: bool) -> None:
        """The team reports on its milestone; when `paid`, the owner accepts it and pays its tranche."""
        milestone = db.session.scalar(
            select(ProjectMilestone).where(
                ProjectMilestone.application_id == application.id, ProjectMilestone.position == position
            )
        )
        key = f"m{milestone.id}"
        with happening(self.day(reported, "report:" + key)):
            challenges.submit_report(
                self.applicants[application.id],
                milestone.id,
                {"text": f"已完成“{milestone.title}”，交付物见附件清单。"},
            )
        if not paid:
            return
        with happening(self.day(reported - 3, "accept:" + key)):
            challenges.decide_milestone(
                owner, milestone.id, {"decision": "accepted", "note": "达到考核要求，同意通过。"}
            )
        on = self.day(reported - 6, "pay:" + key)
        with happening(on):
            challenges.record_payment(
                owner,
                milestone.id,
                {
                    "amount": str(fen_to_yuan(milestone.tranche_fen)),
                    "paid_on": in_beijing(on).date().isoformat(),
                    "reference": f"XX{in_beijing(on):%Y%m%d}{milestone.id:03d}",
                },
            )
