"""Controlled vocabularies: stored values and their Chinese labels."""

from market.models.challenge_vocab import CHALLENGE_AUDIT_ACTIONS

ROLES = {
    "university": "高校院所",
    "enterprise": "企业",
    "broker": "技术经纪人",
    "admin": "管理员",
    "viewer": "政府观察员",  # reads the dashboard, changes nothing
}

ORG_KINDS = {
    "university": "高校",
    "institute": "科研院所",
    "enterprise": "企业",
    "intermediary": "技术转移机构/中介",
    "government": "政府/平台运营",
}

# Which organisation kinds a role may belong to; the first is the default.
ROLE_ORG_KINDS = {
    "university": ("university", "institute"),
    "enterprise": ("enterprise",),
    "broker": ("intermediary",),
    "admin": ("government",),
    "viewer": ("government",),
}

REGIONS = ("沣东", "沣西", "秦汉", "空港", "泾河", "能源金贸区", "其他")

VERIFICATION_STATES = {"pending": "待认证", "verified": "已认证", "rejected": "未通过"}

LISTING_STATUSES = {
    "draft": "草稿",
    "pending": "待审核",
    "published": "已发布",
    "withdrawn": "已撤回",
    "expired": "已过期",
}

DEFAULT_FIELDS = (
    "人工智能",
    "光子",
    "氢能",
    "新材料",
    "生物医药",
    "高端装备",
    "电子信息",
    "新能源与节能",
    "现代农业",
    "环境保护",
    "航空航天",
    "其他",
)

MATURITY_STAGES = ("实验室", "小试", "中试", "产业化")
# The TRL range each stage label covers, used to derive one from the other.
STAGE_TRL = {"实验室": (1, 4), "小试": (5, 5), "中试": (6, 7), "产业化": (8, 9)}
# How people actually write maturity in listings, mapped to our stages.
STAGE_SYNONYMS = {
    "实验室阶段": "实验室",
    "研发阶段": "实验室",
    "初期阶段": "实验室",
    "原理样机": "实验室",
    "小试阶段": "小试",
    "研制": "小试",
    "试验阶段": "小试",
    "中试阶段": "中试",
    "中期阶段": "中试",
    "工程化": "中试",
    "产业化阶段": "产业化",
    "成熟应用阶段": "产业化",
    "批量生产": "产业化",
    "已量产": "产业化",
}

ACHIEVEMENT_FORMS = (
    "专利",
    "新技术",
    "新工艺",
    "新产品",
    "新材料",
    "新装备",
    "植物新品种",
    "软件著作权",
    "其他",
)

TRANSFER_MODES = ("转让", "许可", "作价入股", "合作开发", "先使用后付费", "技术服务", "其他")
TRANSFER_MODE_SYNONYMS = {
    "技术转让": "转让",
    "专利转让": "转让",
    "技术许可": "许可",
    "专利许可": "许可",
    "技术入股": "作价入股",
    "技术作价投资": "作价入股",
    "作价投资": "作价入股",
    "合作转化": "合作开发",
    "技术服务": "技术服务",
}

# Terms of the national 科技成果登记 forms that people copy into listings, filed under our vocabulary.
FORM_SYNONYMS = {
    "农业新品种": "植物新品种",
    "林业新品种": "植物新品种",
    "医药新品种": "新产品",
    "新药": "新产品",
    "计算机软件": "软件著作权",
    "软件": "软件著作权",
    "软件著作权登记证书": "软件著作权",
    "其他应用技术": "其他",
    "论文": "其他",
    "研究报告": "其他",
}
# 自行投资实施转化 (科技成果转化法 第十六条) has no slot of its own among the modes offered to others.
ACHIEVEMENT_TRANSFER_SYNONYMS = {
    **TRANSFER_MODE_SYNONYMS,
    "自我转化": "其他",
    "自行转化": "其他",
    "自行投资实施转化": "其他",
}
OTHER_APPLIED = "其他应用技术"  # written as a prefix: "其他应用技术 计算机软件"

COOPERATION_MODES = ("技术转让", "技术许可", "合作开发", "委托开发", "技术咨询", "技术服务", "其他")

EQUIPMENT_CATEGORIES = (
    "分析测试",
    "光学仪器",
    "电子测量",
    "物理性能测试",
    "生物医学",
    "材料加工",
    "环境监测",
    "计算设备",
    "其他",
)

FEE_UNITS = ("元/小时", "元/样", "元/天", "元/次", "面议")

CERTIFICATION_LEVELS = {
    "junior": "初级技术经理人",
    "intermediate": "中级技术经理人",
    "senior": "高级技术经理人",
}

CONTRACT_TYPES = {
    "development": "技术开发",
    "transfer": "技术转让",
    "licence": "技术许可",
    "consulting": "技术咨询",
    "service": "技术服务",
}
CONTRACT_TYPES_WITH_SUBTYPE = ("transfer", "licence")
CONTRACT_SUBTYPES = {
    "patent": "专利权",
    "patent_application": "专利申请权",
    "know_how": "技术秘密",
    "software": "计算机软件著作权",
    "plant_variety": "植物新品种权",
    "ic_layout": "集成电路布图设计专有权",
    "biomedical": "生物、医药新品种权",
    "other": "其他",
}
PAYMENT_MODES = {
    "lump_sum": "一次总付",
    "instalments": "分期支付",
    "royalty": "提成支付",
    "equity": "作价入股",
}
CONTRACT_STATUSES = {"draft": "草稿", "submitted": "待登记", "returned": "已退回", "registered": "已登记"}
PROVINCES = (
    "陕西省",
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "台湾省",
    "香港特别行政区",
    "澳门特别行政区",
    "境外",
)
KPI_PERIOD_KINDS = {"annual": "年度", "cumulative": "累计"}
# What the platform computes for a KPI by itself: code → (label, unit).
KPI_METRICS = {
    "contract_amount": ("已登记技术合同成交额", "亿元"),
    "contract_count": ("已登记技术合同数", "项"),
    "brokers": ("新注册技术经纪人", "人"),
    "published_achievements": ("发布科技成果", "项"),
    "demands": ("征集企业技术需求", "项"),
    "open_calls": ("发布揭榜挂帅榜单", "项"),
    "challenge_projects": ("揭榜挂帅/赛马制启动项目", "项"),
    "accepted_matches": ("经纪人采纳的匹配", "对"),
}

DEAL_STAGES = {
    "intent": "意向",
    "negotiation": "对接洽谈",
    "signing": "签约",
    "registered": "登记",
    "terminated": "终止",
}
DEAL_TERMINATION_REASONS = {
    "need_changed": "需求变化或取消",
    "price": "价格未谈拢",
    "technology": "技术不匹配",
    "other_partner": "已与他方合作",
    "no_response": "对方长期无回应",
    "ip": "知识产权问题",
    "other": "其他",
}
DEAL_NOTE_KINDS = {"call": "电话沟通", "meeting": "会面", "note": "备注"}

MATCH_DECISIONS = {"accepted": "接受", "rejected": "拒绝"}
MATCH_REJECT_REASONS = {  # why a broker rejects a suggested pair
    "field": "领域不符",
    "maturity": "成熟度不够",
    "price": "价格不符",
    "existing": "已有合作",
    "unclear": "描述不清",
    "other": "其他",
}

BOOKING_KINDS = {"slot": "机时预约", "samples": "送样检测"}
BOOKING_STATUSES = {
    "requested": "待审批",
    "proposed": "建议改期",
    "approved": "已批准",
    "rejected": "已拒绝",
    "cancelled": "已取消",
    "completed": "已完成",
}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# Audit log: every action code written by audit.record, with its Chinese name
# (tests/services/test_audit_log.py finds the codes in market/ and fails on one without a name). Listing codes
# are "<kind>.<verb>".
LISTING_KINDS = {"achievement": "科技成果", "demand": "技术需求", "equipment": "仪器设备"}
# What a user can save (a listing: 收藏) or follow (关注): the follows table's target_kind.
FOLLOW_KINDS = {**LISTING_KINDS, "organisation": "单位", "field": "技术领域"}
_LISTING_VERBS = {
    "create": "创建{}",
    "update": "修改{}",
    "resubmit": "{}修改后重新送审",
    "delete": "删除{}",
    "submit": "提交{}",
    "approve": "审核通过{}",
    "reject": "退回{}",
    "withdraw": "撤回{}",
    "reopen": "重新编辑{}",
    "expire": "{}到期",
    "add_file": "上传{}的图片或文档",
    "delete_file": "删除{}的图片或文档",
    "reorder_files": "调整{}的图片和文档顺序",
    "update_file": "修改{}图片或文档的说明",
}
AUDIT_ACTIONS = {
    "account.register": "注册账号",
    "account.change_password": "修改密码",
    "account.create_user": "创建用户（命令行）",
    "account.reset_password": "通过邮件重置密码",
    "user.update": "修改用户",
    "user.sign_out_everywhere": "让用户在所有设备上退出登录",
    "sign_in.throttled": "登录失败过多，暂停登录",
    "organisation.verify": "审核单位认证",
    "organisation.update": "修改单位资料",
    "broker.update": "修改经纪人资料",
    "field.create": "新增技术领域",
    "field.update": "修改技术领域",
    "setting.update": "修改系统设置",
    "policy.create": "新增政策",
    "policy.update": "修改政策",
    "policy.delete": "删除政策",
    **{
        f"{kind}.{verb}": text.format(label)
        for kind, label in LISTING_KINDS.items()
        for verb, text in _LISTING_VERBS.items()
    },
    "match_accepted": "接受匹配推荐",
    "match_rejected": "拒绝匹配推荐",
    "deal.open": "发起对接",
    "deal.claim": "认领对接",
    "deal.assign": "指派技术经纪人",
    "deal.request_broker": "邀请技术经纪人",
    "deal.stage": "推进对接阶段",
    "deal.next_action": "安排对接下一步",
    "deal.message": "对接留言",
    "deal.nda": "签署保密协议",
    "contract.create": "创建合同草稿",
    "contract.update": "修改合同",
    "contract.delete": "删除合同草稿",
    "contract.submit": "提交合同登记",
    "contract.register": "登记合同",
    "contract.return": "退回合同",
    "contract.correct": "更正合同",
    "contract.attach": "上传合同附件",
    "contract.detach": "删除合同附件",
    "contract.attach_correction": "更正：补充合同附件",
    "kpi.create": "新增指标",
    "kpi.update": "修改指标",
    "kpi.delete": "删除指标",
    "kpi.entry": "填报指标值",
    "booking.request": "预约仪器",
    "booking.approve": "批准预约",
    "booking.reject": "拒绝预约",
    "booking.propose": "建议改期",
    "booking.answer": "答复改期建议",
    "booking.cancel": "取消预约",
    "booking.complete": "登记仪器使用",
    "equipment.block": "仪器停机",
    "equipment.unblock": "取消停机",
    "equipment.booking_rules": "修改仪器预约规则",
    "job.retry": "重试后台任务",
    **CHALLENGE_AUDIT_ACTIONS,
}
AUDIT_OBJECT_TYPES = {
    **LISTING_KINDS,
    "user": "用户",
    "organisation": "单位",
    "broker_profile": "经纪人资料",
    "field": "技术领域",
    "setting": "系统设置",
    "policy": "政策",
    "match_decision": "匹配决定",
    "deal": "对接",
    "contract": "技术合同",
    "kpi": "指标",
    "booking": "仪器预约",
    "event_job": "后台任务",
    "challenge": "揭榜挂帅榜单",
    "challenge_application": "揭榜方案",
    "project_milestone": "揭榜项目里程碑",
    "sign_in": "登录",
}
