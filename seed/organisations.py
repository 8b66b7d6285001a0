"""Demo organisations and their accounts (all passwords: DEMO_PASSWORD).

Universities and institutes are real Shaanxi institutions with invented contact people; every
enterprise and the technology-transfer firm are fictional. Accounts marked `register` sign up
through the public registration form and are then verified (or not) by the demo admin; the
others are created the way `flask market create-user` does and get their profile set by the admin.
"""

DEMO_PASSWORD = "Xixian-2026!"
ADMIN_EMAIL = "admin@demo.qcy"  # its existence marks the demo data as loaded

# The operator and the admin come first: everything after is done by (or checked by) the admin.
OPERATOR = {
    "email": ADMIN_EMAIL,
    "role": "admin",
    "display_name": "赵敏（平台运营）",
    "org": {"name": "秦创原科技大市场运营中心", "kind": "government", "region": "沣西"},
}

# Created directly (create-user) and verified; the admin then fills in kind, region and credit code.
INSTITUTION_ACCOUNTS = [
    {
        "email": "university@demo.qcy",
        "role": "university",
        "display_name": "陈静（技术转移中心）",
        "org": {"name": "西安交通大学", "kind": "university", "region": "沣西"},
    },
    {
        "email": "nwpu@demo.qcy",
        "role": "university",
        "display_name": "王昊（科学技术研究院）",
        "org": {"name": "西北工业大学", "kind": "university", "region": "沣东"},
    },
    {
        "email": "xidian@demo.qcy",
        "role": "university",
        "display_name": "刘思远（技术转移中心）",
        "org": {"name": "西安电子科技大学", "kind": "university", "region": "其他"},
    },
    {
        "email": "nwu@demo.qcy",
        "role": "university",
        "display_name": "李娜（科技成果转化办公室）",
        "org": {"name": "西北大学", "kind": "university", "region": "其他"},
    },
    {
        "email": "snnu@demo.qcy",
        "role": "university",
        "display_name": "张晓燕（科学技术处）",
        "org": {"name": "陕西师范大学", "kind": "university", "region": "其他"},
    },
    {
        "email": "chd@demo.qcy",
        "role": "university",
        "display_name": "马骏（技术转移中心）",
        "org": {"name": "长安大学", "kind": "university", "region": "其他"},
    },
    {
        "email": "xaut@demo.qcy",
        "role": "university",
        "display_name": "高磊（科技处）",
        "org": {"name": "西安理工大学", "kind": "university", "region": "其他"},
    },
    {
        "email": "nwafu@demo.qcy",
        "role": "university",
        "display_name": "杜文（成果转化中心）",
        "org": {"name": "西北农林科技大学", "kind": "university", "region": "其他"},
    },
    {
        "email": "opt@demo.qcy",
        "role": "university",
        "display_name": "孙宇（成果转化处）",
        "org": {"name": "中国科学院西安光学精密机械研究所", "kind": "institute", "region": "其他"},
    },
    # The technology-transfer firm the brokers work for.
    {
        "email": "broker@demo.qcy",
        "role": "broker",
        "display_name": "周立新",
        "org": {"name": "西咸新区秦智技术转移服务有限公司", "kind": "intermediary", "region": "能源金贸区"},
    },
    {
        "email": "broker2@demo.qcy",
        "role": "broker",
        "display_name": "韩雪",
        "org": {"name": "西咸新区秦智技术转移服务有限公司", "kind": "intermediary", "region": "能源金贸区"},
    },
    {
        "email": "broker3@demo.qcy",
        "role": "broker",
        "display_name": "吴建国",
        "org": {"name": "西咸新区秦智技术转移服务有限公司", "kind": "intermediary", "region": "能源金贸区"},
    },
    # A read-only government viewer: the transaction dashboard and registered contracts, nothing else.
    {
        "email": "viewer@demo.qcy",
        "role": "viewer",
        "display_name": "冯涛（新区科技主管部门）",
        "org": {"name": "西咸新区科技创新和新经济局", "kind": "government", "region": "沣西"},
    },
]

# Self-registered through the public form; `decision` is what the admin does with the organisation.
REGISTERED_ACCOUNTS = [
    {
        "email": "enterprise@demo.qcy",
        "role": "enterprise",
        "display_name": "杨帆（研发中心）",
        "decision": "approve",
        "org": {"name": "西咸新区沣东澄源新材料科技有限公司", "kind": "enterprise", "region": "沣东"},
    },
    {
        "email": "ai@demo.qcy",
        "role": "enterprise",
        "display_name": "郑可（产品部）",
        "decision": "approve",
        "org": {"name": "西咸新区沣西云析智能科技有限公司", "kind": "enterprise", "region": "沣西"},
    },
    {
        "email": "bio@demo.qcy",
        "role": "enterprise",
        "display_name": "田蕾（注册与研发部）",
        "decision": "approve",
        "org": {"name": "西咸新区秦汉瑞和生物医药有限公司", "kind": "enterprise", "region": "秦汉"},
    },
    {
        "email": "aero@demo.qcy",
        "role": "enterprise",
        "display_name": "何峰（技术部）",
        "decision": "approve",
        "org": {"name": "西咸新区空港翔宇航空装备有限公司", "kind": "enterprise", "region": "空港"},
    },
    {
        "email": "h2@demo.qcy",
        "role": "enterprise",
        "display_name": "罗斌（氢能事业部）",
        "decision": "approve",
        "org": {"name": "西咸新区泾河氢途能源科技有限公司", "kind": "enterprise", "region": "泾河"},
    },
    {
        "email": "power@demo.qcy",
        "role": "enterprise",
        "display_name": "康宁（技术中心）",
        "decision": "approve",
        "org": {"name": "西咸新区博能电力科技有限公司", "kind": "enterprise", "region": "能源金贸区"},
    },
    {
        "email": "photon@demo.qcy",
        "role": "enterprise",
        "display_name": "许明（研发部）",
        "decision": "approve",
        "org": {"name": "西咸新区光启精密光电有限公司", "kind": "enterprise", "region": "沣东"},
    },
    {
        "email": "agri@demo.qcy",
        "role": "enterprise",
        "display_name": "冯丽（生产技术部）",
        "decision": "approve",
        "org": {"name": "西咸新区泾河绿洲现代农业发展有限公司", "kind": "enterprise", "region": "泾河"},
    },
    {
        "email": "env@demo.qcy",
        "role": "enterprise",
        "display_name": "曹阳（工程技术部）",
        "decision": "approve",
        "org": {"name": "西咸新区沣西清源环保科技有限公司", "kind": "enterprise", "region": "沣西"},
    },
    {
        "email": "equip@demo.qcy",
        "role": "enterprise",
        "display_name": "薛强（工艺部）",
        "decision": "approve",
        "org": {"name": "西咸新区秦汉恒泰智能装备制造有限公司", "kind": "enterprise", "region": "秦汉"},
    },
    {
        "email": "chip@demo.qcy",
        "role": "enterprise",
        "display_name": "蒋涛（硬件研发部）",
        "decision": "approve",
        "org": {"name": "西咸新区空港芯联电子科技有限公司", "kind": "enterprise", "region": "空港"},
    },
    # Left for the admin's verification queue; their listings wait in the review queue.
    {
        "email": "newco@demo.qcy",
        "role": "enterprise",
        "display_name": "邓凯（总经理办公室）",
        "decision": None,
        "org": {"name": "西咸新区泾河启明检测技术有限公司", "kind": "enterprise", "region": "泾河"},
    },
    {
        "email": "lab@demo.qcy",
        "role": "university",
        "display_name": "袁青（综合办公室）",
        "decision": None,
        "org": {"name": "西咸新区沣西先进储能技术研究院", "kind": "institute", "region": "沣西"},
    },
    # Turned down, to show what the applicant sees.
    {
        "email": "trade@demo.qcy",
        "role": "enterprise",
        "display_name": "钱亮",
        "decision": "reject",
        "note": "营业执照上的单位名称与填报名称不一致，请上传最新营业执照后重新申请。",
        "org": {"name": "西咸新区宏远商贸有限公司", "kind": "enterprise", "region": "能源金贸区"},
    },
]

# Broker profiles: the broker writes specialties and bio, the admin sets the certification level.
BROKER_PROFILES = {
    "broker@demo.qcy": {
        "certification_level": "senior",
        "specialties": ["新材料", "氢能", "新能源与节能"],
        "bio": "从事技术转移工作十余年，持有高级技术经理人证书。长期服务西咸新区新材料与能源企业，"
        "熟悉职务科技成果赋权、作价入股和“先使用后付费”等转化方式，"
        "累计促成技术合同六十余项，擅长从企业生产痛点出发对接高校中试成果。",
    },
    "broker2@demo.qcy": {
        "certification_level": "intermediate",
        "specialties": ["人工智能", "电子信息", "光子"],
        "bio": "电子信息专业背景，曾在高校技术转移中心工作。专注人工智能、集成电路与光电领域的成果评价、"
        "专利许可谈判和技术合同登记，熟悉秦创原“揭榜挂帅”项目的组织流程。",
    },
    "broker3@demo.qcy": {
        "certification_level": "junior",
        "specialties": ["生物医药", "现代农业", "环境保护"],
        "bio": "生物工程专业硕士，取得初级技术经理人培训证书。主要服务秦汉新城和泾河新城的生物医药、"
        "农业企业，负责需求挖掘、成果路演组织和对接跟踪。",
    },
}

# Who answers for the listings each account publishes (contact details are shown to verified users only).
CONTACTS = {
    "university@demo.qcy": ("陈老师", "029-8339 6120"),
    "nwpu@demo.qcy": ("王老师", "029-8849 3107"),
    "xidian@demo.qcy": ("刘老师", "029-8820 4215"),
    "nwu@demo.qcy": ("李老师", "029-8830 2263"),
    "snnu@demo.qcy": ("张老师", "029-8531 0478"),
    "chd@demo.qcy": ("马老师", "029-8233 4019"),
    "xaut@demo.qcy": ("高老师", "029-8231 2356"),
    "nwafu@demo.qcy": ("杜老师", "029-8709 1582"),
    "opt@demo.qcy": ("孙老师", "029-8888 7306"),
    "enterprise@demo.qcy": ("杨经理", "138 9180 2461"),
    "ai@demo.qcy": ("郑经理", "139 2901 7735"),
    "bio@demo.qcy": ("田经理", "136 0912 4408"),
    "aero@demo.qcy": ("何工", "135 7245 6190"),
    "h2@demo.qcy": ("罗经理", "133 8922 5017"),
    "power@demo.qcy": ("康工", "137 7206 3348"),
    "photon@demo.qcy": ("许经理", "159 2968 4120"),
    "agri@demo.qcy": ("冯经理", "187 9253 0642"),
    "env@demo.qcy": ("曹工", "158 2906 3371"),
    "equip@demo.qcy": ("薛工", "180 9188 2753"),
    "chip@demo.qcy": ("蒋经理", "189 9107 4426"),
    "newco@demo.qcy": ("邓经理", "177 9120 3368"),
    "lab@demo.qcy": ("袁老师", "029-3358 1207"),
    "admin@demo.qcy": ("大市场服务窗口", "029-3368 0000"),
}
