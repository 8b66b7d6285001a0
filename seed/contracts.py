"""Demo technology contracts (技术合同), 2024–2026, written and registered through the contract service.

Sellers are the demo universities, the institute and a few enterprises; buyers are the demo enterprises
and five fictional companies outside 陕西省 (created here, without accounts). Amounts are exact yuan;
a development contract's 核定技术交易额 leaves out 15% (equipment and materials), every other kind
counts in full. Most contracts are registered; a few wait for registration, were returned, or are drafts.
Titles, amounts and parties are made up for the demo.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from market.clock import in_beijing
from market.extensions import db
from market.models import Achievement, Demand, Organisation, User
from market.models.base import utcnow
from market.models.contract import Contract
from market.services import contracts
from market.services.codes import CREDIT_CODE_CHARS, credit_code_with_check
from seed.organisations import ADMIN_EMAIL
from seed.timeline import Timeline, happening

# Fictional buyers outside the province: (name, province, administrative division code for the credit code).
OUTSIDE_BUYERS = {
    "北京瀚海智算科技有限公司": ("北京市", "110108"),
    "江苏常锂新能源材料有限公司": ("江苏省", "320411"),
    "深圳市鹏芯微电子有限公司": ("广东省", "440305"),
    "四川蜀禾现代农业科技有限公司": ("四川省", "510104"),
    "浙江甬清环境工程有限公司": ("浙江省", "330212"),
}
# The sellers' own contract-number prefixes.
PREFIXES = {
    "university@demo.qcy": "XJTU",
    "nwpu@demo.qcy": "NWPU",
    "xidian@demo.qcy": "XDU",
    "nwu@demo.qcy": "NWU",
    "snnu@demo.qcy": "SNNU",
    "chd@demo.qcy": "CHD",
    "xaut@demo.qcy": "XAUT",
    "nwafu@demo.qcy": "NWAFU",
    "opt@demo.qcy": "XIOPM",
    "chip@demo.qcy": "XLDZ",
    "ai@demo.qcy": "YXZN",
    "power@demo.qcy": "BNDL",
    "env@demo.qcy": "QYHB",
}
DEVELOPMENT_SHARE = Decimal("0.85")
REGISTRATION_DAYS = 21  # from signing to registration
SUBMISSION_DAYS = 6
RETURN_DAYS = 10  # from signing to the register sending it back


@dataclass(frozen=True)
class C:
    seller: str  # the seller's demo account (it writes the contract unless a broker does)
    buyer: str  # a demo account's email, or a name from OUTSIDE_BUYERS
    kind: str  # contract type, "transfer/patent" for a type with its subject
    field: str
    title: str
    amount: str  # yuan
    signed: str
    payment: str
    broker: str | None = None  # the broker's account; the broker then writes the contract
    status: str = "registered"
    achievement: str | None = None  # title of the seller's published result it transfers
    demand: str | None = None  # title of the buyer's demand it answers
    reason: str | None = None  # why a returned contract was sent back


CONTRACTS = [
    # ---- 2024 ------------------------------------------------------------------------------------------
    C(
        "university@demo.qcy",
        "enterprise@demo.qcy",
        "licence/patent",
        "新材料",
        "高镍三元正极材料单晶化与表面包覆一体化制备技术专利实施许可合同",
        "1860000.00",
        "2024-01-18",
        "instalments",
        "broker@demo.qcy",
        achievement="高镍三元正极材料单晶化与表面包覆一体化制备技术",
    ),
    C(
        "nwpu@demo.qcy",
        "aero@demo.qcy",
        "development",
        "航空航天",
        "涡轮叶片精密铸造型壳快速制备工艺技术开发合同",
        "4250000.00",
        "2024-02-27",
        "instalments",
        achievement="航空发动机涡轮叶片精密铸造型壳快速制备技术",
    ),
    C(
        "xidian@demo.qcy",
        "chip@demo.qcy",
        "licence/patent",
        "电子信息",
        "氮化镓HEMT功率器件外延结构专利实施许可合同",
        "2400000.00",
        "2024-03-12",
        "royalty",
        "broker2@demo.qcy",
        achievement="氮化镓高电子迁移率晶体管功率器件外延结构",
    ),
    C(
        "nwafu@demo.qcy",
        "agri@demo.qcy",
        "transfer/plant_variety",
        "现代农业",
        "抗条锈病高产小麦新品种植物新品种权转让合同",
        "680000.00",
        "2024-03-29",
        "lump_sum",
        achievement="抗条锈病高产小麦新品种",
    ),
    C(
        "opt@demo.qcy",
        "photon@demo.qcy",
        "development",
        "光子",
        "超快激光精密微加工系统联合开发合同",
        "3780000.00",
        "2024-04-16",
        "instalments",
        "broker@demo.qcy",
    ),
    C(
        "chd@demo.qcy",
        "浙江甬清环境工程有限公司",
        "service",
        "环境保护",
        "建筑固废再生骨料道路基层应用技术服务合同",
        "356800.00",
        "2024-05-09",
        "lump_sum",
        achievement="建筑固废再生骨料道路基层应用技术",
    ),
    C(
        "nwu@demo.qcy",
        "bio@demo.qcy",
        "transfer/patent",
        "生物医药",
        "抗肿瘤天然产物衍生物制备方法专利权转让合同",
        "1200000.00",
        "2024-05-30",
        "instalments",
        "broker3@demo.qcy",
    ),
    C(
        "xaut@demo.qcy",
        "power@demo.qcy",
        "development",
        "电子信息",
        "配电网故障定位行波采集装置技术开发合同",
        "960000.00",
        "2024-06-20",
        "instalments",
        demand="配电网故障定位行波采集装置国产化",
    ),
    C(
        "snnu@demo.qcy",
        "agri@demo.qcy",
        "consulting",
        "现代农业",
        "黄土高原设施农业土壤改良技术咨询合同",
        "180000.00",
        "2024-07-08",
        "lump_sum",
    ),
    C(
        "university@demo.qcy",
        "h2@demo.qcy",
        "development",
        "氢能",
        "低铱阳极催化剂放大制备技术开发合同",
        "5600000.00",
        "2024-07-25",
        "instalments",
        "broker@demo.qcy",
        achievement="质子交换膜电解水制氢用低铱阳极催化剂",
    ),
    C(
        "xidian@demo.qcy",
        "深圳市鹏芯微电子有限公司",
        "transfer/software",
        "电子信息",
        "毫米波雷达信号处理软件著作权转让合同",
        "1450000.00",
        "2024-08-13",
        "lump_sum",
        "broker2@demo.qcy",
    ),
    C(
        "chip@demo.qcy",
        "equip@demo.qcy",
        "service",
        "电子信息",
        "工业控制主板可靠性测试技术服务合同",
        "228650.75",
        "2024-08-30",
        "lump_sum",
    ),
    C(
        "nwpu@demo.qcy",
        "北京瀚海智算科技有限公司",
        "licence/software",
        "航空航天",
        "小型固定翼无人机集群协同控制软件许可合同",
        "2980000.00",
        "2024-09-19",
        "royalty",
        achievement="小型固定翼无人机集群协同控制系统",
    ),
    C(
        "opt@demo.qcy",
        "aero@demo.qcy",
        "transfer/know_how",
        "光子",
        "空间光学镜面超精密抛光技术秘密转让合同",
        "3350000.00",
        "2024-10-10",
        "instalments",
        "broker3@demo.qcy",
    ),
    C(
        "university@demo.qcy",
        "power@demo.qcy",
        "consulting",
        "新能源与节能",
        "园区综合能源系统规划技术咨询合同",
        "420000.00",
        "2024-10-28",
        "lump_sum",
    ),
    C(
        "nwafu@demo.qcy",
        "agri@demo.qcy",
        "service",
        "现代农业",
        "猕猴桃溃疡病绿色防控技术服务合同",
        "265000.00",
        "2024-11-14",
        "lump_sum",
        demand="猕猴桃溃疡病绿色防控技术",
    ),
    C(
        "ai@demo.qcy",
        "bio@demo.qcy",
        "development",
        "人工智能",
        "药物晶型筛选机器学习平台技术开发合同",
        "1380000.00",
        "2024-11-27",
        "instalments",
        "broker2@demo.qcy",
    ),
    C(
        "nwu@demo.qcy",
        "env@demo.qcy",
        "licence/patent",
        "环境保护",
        "页岩气压裂返排液复合絮凝剂专利实施许可合同",
        "1750000.00",
        "2024-12-06",
        "royalty",
        achievement="页岩气压裂返排液处理用复合絮凝剂",
    ),
    C(
        "university@demo.qcy",
        "enterprise@demo.qcy",
        "transfer/patent",
        "新材料",
        "高镍正极材料单晶化专利作价入股合同",
        "8000000.00",
        "2024-12-18",
        "equity",
        "broker@demo.qcy",
        achievement="高镍三元正极材料单晶化与表面包覆一体化制备技术",
    ),
    C(
        "xaut@demo.qcy",
        "equip@demo.qcy",
        "service",
        "高端装备",
        "数控机床热误差实时补偿技术服务合同",
        "312400.50",
        "2024-12-26",
        "lump_sum",
        achievement="数控机床热误差建模与实时补偿技术",
    ),
    # ---- 2025 ------------------------------------------------------------------------------------------
    C(
        "university@demo.qcy",
        "江苏常锂新能源材料有限公司",
        "licence/patent",
        "新材料",
        "钠离子电池层状氧化物正极专利实施许可合同",
        "3200000.00",
        "2025-01-15",
        "royalty",
        "broker@demo.qcy",
    ),
    C(
        "nwpu@demo.qcy",
        "aero@demo.qcy",
        "development",
        "航空航天",
        "复合材料机翼壁板自动铺丝工艺技术开发合同",
        "6850000.00",
        "2025-02-20",
        "instalments",
        "broker3@demo.qcy",
    ),
    C(
        "xidian@demo.qcy",
        "ai@demo.qcy",
        "development",
        "人工智能",
        "遥感影像地物智能解译平台技术开发合同",
        "1680000.00",
        "2025-03-06",
        "instalments",
        achievement="遥感影像地物智能解译平台",
    ),
    C(
        "opt@demo.qcy",
        "photon@demo.qcy",
        "licence/patent",
        "光子",
        "高功率飞秒光纤激光器专利实施许可合同",
        "2600000.00",
        "2025-03-25",
        "royalty",
        "broker@demo.qcy",
        achievement="高功率飞秒光纤激光器",
    ),
    C(
        "nwafu@demo.qcy",
        "agri@demo.qcy",
        "service",
        "现代农业",
        "设施蔬菜水肥一体化智能控制技术服务合同",
        "156000.00",
        "2025-04-11",
        "lump_sum",
        achievement="设施蔬菜水肥一体化智能控制系统",
    ),
    C(
        "snnu@demo.qcy",
        "bio@demo.qcy",
        "consulting",
        "生物医药",
        "秦岭药用植物活性成分提取工艺技术咨询合同",
        "98500.00",
        "2025-04-29",
        "lump_sum",
        achievement="秦岭特色药用植物活性成分高效提取技术",
    ),
    C(
        "chd@demo.qcy",
        "equip@demo.qcy",
        "development",
        "高端装备",
        "隧道衬砌智能检测机器人技术开发合同",
        "2150000.00",
        "2025-05-19",
        "instalments",
        "broker2@demo.qcy",
    ),
    C(
        "university@demo.qcy",
        "h2@demo.qcy",
        "transfer/patent_application",
        "氢能",
        "IV型储氢瓶塑料内胆材料专利申请权转让合同",
        "1100000.00",
        "2025-06-03",
        "lump_sum",
        "broker@demo.qcy",
        demand="IV型储氢瓶塑料内胆材料",
    ),
    C(
        "nwu@demo.qcy",
        "北京瀚海智算科技有限公司",
        "service",
        "其他",
        "油气藏三维地质建模技术服务合同",
        "540000.00",
        "2025-06-24",
        "instalments",
    ),
    C(
        "power@demo.qcy",
        "h2@demo.qcy",
        "service",
        "新能源与节能",
        "光伏制氢站电气系统调试技术服务合同",
        "386000.00",
        "2025-07-10",
        "lump_sum",
    ),
    C(
        "xaut@demo.qcy",
        "深圳市鹏芯微电子有限公司",
        "licence/patent",
        "电子信息",
        "碳化硅功率模块封装散热结构专利实施许可合同",
        "1900000.00",
        "2025-07-31",
        "royalty",
        "broker2@demo.qcy",
    ),
    C(
        "nwpu@demo.qcy",
        "chip@demo.qcy",
        "transfer/patent",
        "电子信息",
        "抗辐照存储器电路设计专利权转让合同",
        "2250000.00",
        "2025-08-18",
        "instalments",
    ),
    C(
        "opt@demo.qcy",
        "aero@demo.qcy",
        "development",
        "航空航天",
        "微小卫星轻量化光学载荷工程化开发合同",
        "4680000.00",
        "2025-09-04",
        "instalments",
        "broker3@demo.qcy",
        achievement="微小卫星高分辨率轻量化光学载荷",
    ),
    C(
        "university@demo.qcy",
        "ai@demo.qcy",
        "consulting",
        "人工智能",
        "工业大模型应用落地路线技术咨询合同",
        "260000.00",
        "2025-09-22",
        "lump_sum",
    ),
    C(
        "env@demo.qcy",
        "浙江甬清环境工程有限公司",
        "transfer/know_how",
        "环境保护",
        "高盐废水蒸发结晶技术秘密转让合同",
        "1560000.00",
        "2025-10-13",
        "instalments",
        "broker@demo.qcy",
    ),
    C(
        "nwafu@demo.qcy",
        "四川蜀禾现代农业科技有限公司",
        "transfer/plant_variety",
        "现代农业",
        "红肉猕猴桃新品种植物新品种权转让合同",
        "880000.00",
        "2025-10-30",
        "lump_sum",
        "broker3@demo.qcy",
    ),
    C(
        "xidian@demo.qcy",
        "photon@demo.qcy",
        "service",
        "光子",
        "光通信模块高速信号测试技术服务合同",
        "178300.40",
        "2025-11-12",
        "lump_sum",
    ),
    C(
        "university@demo.qcy",
        "enterprise@demo.qcy",
        "development",
        "新材料",
        "硅碳负极材料中试工艺技术开发合同",
        "7200000.00",
        "2025-11-26",
        "instalments",
        "broker@demo.qcy",
    ),
    C(
        "chd@demo.qcy",
        "power@demo.qcy",
        "development",
        "新能源与节能",
        "服务区光储充一体化能量管理系统技术开发合同",
        "1320000.00",
        "2025-12-05",
        "instalments",
        achievement="高速公路服务区光储充一体化能量管理系统",
    ),
    C(
        "snnu@demo.qcy",
        "agri@demo.qcy",
        "transfer/patent",
        "现代农业",
        "苹果采后病害生物防控保鲜剂专利权转让合同",
        "350000.00",
        "2025-12-16",
        "lump_sum",
        achievement="苹果采后病害生物防控保鲜剂",
    ),
    C(
        "nwu@demo.qcy",
        "bio@demo.qcy",
        "licence/patent",
        "生物医药",
        "新型抗菌肽制备方法专利独占实施许可合同",
        "2800000.00",
        "2025-12-23",
        "royalty",
        "broker3@demo.qcy",
    ),
    C(
        "ai@demo.qcy",
        "equip@demo.qcy",
        "development",
        "人工智能",
        "焊接机器人焊缝视觉跟踪系统技术开发合同",
        "735000.00",
        "2025-12-29",
        "instalments",
        "broker2@demo.qcy",
        demand="焊接机器人焊缝视觉跟踪",
    ),
    # ---- 2026 ------------------------------------------------------------------------------------------
    C(
        "university@demo.qcy",
        "h2@demo.qcy",
        "development",
        "氢能",
        "兆瓦级碱性电解槽宽功率波动适应技术攻关开发合同",
        "12800000.00",
        "2026-01-16",
        "instalments",
        "broker@demo.qcy",
        demand="【揭榜挂帅】兆瓦级碱性电解槽宽功率波动适应技术",
    ),
    C(
        "nwpu@demo.qcy",
        "aero@demo.qcy",
        "licence/patent",
        "航空航天",
        "航空发动机健康管理方法专利实施许可合同",
        "3600000.00",
        "2026-02-10",
        "royalty",
    ),
    C(
        "opt@demo.qcy",
        "北京瀚海智算科技有限公司",
        "transfer/know_how",
        "光子",
        "大口径非球面光学元件超精密加工技术秘密转让合同",
        "5200000.00",
        "2026-03-05",
        "instalments",
        "broker3@demo.qcy",
        achievement="大口径非球面光学元件超精密加工与检测",
    ),
    C(
        "xidian@demo.qcy",
        "chip@demo.qcy",
        "development",
        "电子信息",
        "低功耗广域物联网通信SoC芯片联合开发合同",
        "8900000.00",
        "2026-03-24",
        "instalments",
        "broker2@demo.qcy",
        demand="【揭榜挂帅】低功耗广域物联网通信SoC芯片设计",
    ),
    C(
        "nwafu@demo.qcy",
        "agri@demo.qcy",
        "consulting",
        "现代农业",
        "智慧果园建设技术咨询合同",
        "126000.00",
        "2026-04-08",
        "lump_sum",
    ),
    C(
        "university@demo.qcy",
        "江苏常锂新能源材料有限公司",
        "transfer/patent",
        "新材料",
        "固态锂电池电解质膜专利权转让合同",
        "4500000.00",
        "2026-04-27",
        "instalments",
        "broker@demo.qcy",
    ),
    C(
        "xaut@demo.qcy",
        "power@demo.qcy",
        "service",
        "新能源与节能",
        "工商业储能电站电池簇一致性评估技术服务合同",
        "468000.00",
        "2026-05-14",
        "lump_sum",
        demand="工商业储能电站电池簇一致性在线评估",
    ),
    C(
        "nwu@demo.qcy",
        "bio@demo.qcy",
        "transfer/know_how",
        "生物医药",
        "重组胶原蛋白发酵纯化技术秘密转让合同",
        "3150000.00",
        "2026-06-02",
        "instalments",
        "broker3@demo.qcy",
        achievement="重组胶原蛋白规模化发酵与纯化工艺",
    ),
    C(
        "chd@demo.qcy",
        "浙江甬清环境工程有限公司",
        "service",
        "环境保护",
        "工程渣土资源化利用技术服务合同",
        "523600.25",
        "2026-06-23",
        "lump_sum",
    ),
    C(
        "chip@demo.qcy",
        "深圳市鹏芯微电子有限公司",
        "transfer/software",
        "电子信息",
        "LoRa无线采集终端嵌入式软件著作权转让合同",
        "980000.00",
        "2026-07-09",
        "lump_sum",
        "broker2@demo.qcy",
        achievement="工业级LoRa无线采集终端",
    ),
    C(
        "snnu@demo.qcy",
        "ai@demo.qcy",
        "consulting",
        "人工智能",
        "中文教育语料标注规范技术咨询合同",
        "88000.00",
        "2026-07-28",
        "lump_sum",
    ),
    C(
        "nwpu@demo.qcy",
        "equip@demo.qcy",
        "development",
        "高端装备",
        "增材制造零件在线质量监测装备技术开发合同",
        "9600000.00",
        "2026-08-17",
        "instalments",
        "broker@demo.qcy",
        achievement="金属增材制造零件在线质量监测装置",
    ),
    C(
        "opt@demo.qcy",
        "photon@demo.qcy",
        "development",
        "光子",
        "激光雷达用1550nm光纤放大器国产化开发合同",
        "1850000.00",
        "2026-09-03",
        "instalments",
        demand="激光雷达用1550nm光纤放大器",
    ),
    C(
        "university@demo.qcy",
        "enterprise@demo.qcy",
        "licence/patent",
        "新材料",
        "高熵合金涂层专利普通实施许可合同",
        "1250000.00",
        "2026-09-21",
        "royalty",
        "broker@demo.qcy",
    ),
    C(
        "power@demo.qcy",
        "agri@demo.qcy",
        "service",
        "新能源与节能",
        "农光互补电站运维技术服务合同",
        "214500.00",
        "2026-10-12",
        "lump_sum",
    ),
    # Not registered (yet): waiting, sent back, still a draft.
    C(
        "xidian@demo.qcy",
        "ai@demo.qcy",
        "development",
        "人工智能",
        "政务文书长文本摘要与要素抽取模型开发合同",
        "2380000.00",
        "2026-10-28",
        "instalments",
        "broker2@demo.qcy",
        status="submitted",
        demand="面向政务文书的中文长文本摘要与要素抽取",
    ),
    C(
        "nwafu@demo.qcy",
        "四川蜀禾现代农业科技有限公司",
        "transfer/plant_variety",
        "现代农业",
        "青贮玉米新品种植物新品种权转让合同",
        "760000.00",
        "2026-11-06",
        "lump_sum",
        status="submitted",
    ),
    C(
        "xaut@demo.qcy",
        "equip@demo.qcy",
        "development",
        "高端装备",
        "伺服电机高精度控制算法技术开发合同",
        "1080000.00",
        "2026-11-25",
        "instalments",
        status="submitted",
    ),
    C(
        "nwu@demo.qcy",
        "env@demo.qcy",
        "consulting",
        "环境保护",
        "市政污泥低温干化与资源化利用技术咨询合同",
        "145000.00",
        "2026-10-19",
        "lump_sum",
        status="returned",
        demand="市政污泥低温干化与资源化利用",
        reason="合同扫描件缺少买方盖章页，请补充后重新提交。",
    ),
    C(
        "university@demo.qcy",
        "h2@demo.qcy",
        "service",
        "氢能",
        "加氢站氢气纯度在线检测技术服务合同",
        "390000.00",
        "2026-11-20",
        "lump_sum",
        "broker@demo.qcy",
        status="draft",
        demand="加氢站氢气纯度在线检测仪",
    ),
]


def recognised_amount(item: C) -> Decimal:
    """核定技术交易额: development contracts leave out equipment and materials; other kinds count in full."""
    amount = Decimal(item.amount)
    if item.kind == "development":
        return (amount * DEVELOPMENT_SHARE).quantize(Decimal("0.01"))
    return amount


def _outside_credit_code(name: str, division: str) -> str:
    digest = hashlib.sha256(name.encode()).digest()
    return credit_code_with_check(
        "91" + division + "MA0" + "".join(CREDIT_CODE_CHARS[b % 31] for b in digest[:6])
    )


def _outside_buyers(admin: User) -> dict[str, Organisation]:
    """The fictional out-of-province buyers (verified companies without accounts on the platform)."""
    orgs = {}
    for name, (province, division) in OUTSIDE_BUYERS.items():
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(
                name=name,
                kind="enterprise",
                region="其他",
                verification_state="verified",
                credit_code=_outside_credit_code(name, division),
                verified_at=utcnow(),
                verified_by_id=admin.id,
            )
            db.session.add(org)
        orgs[name] = org
    db.session.commit()
    return orgs


def contract_links() -> dict[str, date]:
    """Each result or demand title a demo contract names → the earliest signing date that names it (it was
    published before)."""
    first: dict[str, date] = {}
    for item in CONTRACTS:
        for title in (item.achievement, item.demand):
            if title:
                signed = date.fromisoformat(item.signed)
                first[title] = min(first.get(title, signed), signed)
    return first


def demo_timeline() -> Timeline:
    """The demo's history laid out from now: it starts a few months before the first contract."""
    timeline = Timeline(utcnow(), min(date.fromisoformat(item.signed) for item in CONTRACTS))
    timeline.first_use = contract_links()
    return timeline


def load_demo_contracts(progress=print, timeline: Timeline | None = None) -> int:
    """Write the demo contracts unless the register already holds contracts; returns how many were written.
    Each is written on its signing day, submitted and registered (or returned) on the days that follow."""
    if db.session.scalar(select(func.count()).select_from(Contract)):
        return 0
    timeline = timeline or demo_timeline()
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%@demo.qcy")))}
    admin = users.get(ADMIN_EMAIL)
    if admin is None:  # the demo organisations are not there
        return 0
    with happening(timeline.after(timeline.joined.get(ADMIN_EMAIL, admin.created_at), 3, "outside buyers")):
        outside = _outside_buyers(admin)
    numbers, written = {}, 0
    for item in CONTRACTS:
        signed = date.fromisoformat(item.signed)
        if signed > timeline.today:
            continue
        written_at, submitted_at, decided_at = timeline.contract_steps(
            item.title,
            signed,
            SUBMISSION_DAYS,
            REGISTRATION_DAYS if item.status == "registered" else RETURN_DAYS,
        )
        with happening(written_at):
            contract = _write(item, users, outside, numbers)
        _advance(item, contract.id, users, admin, (submitted_at, decided_at))
        written += 1
        if written % 20 == 0:
            progress(f"技术合同 {written}/{len(CONTRACTS)}")
    progress(f"技术合同 {written}/{len(CONTRACTS)}")
    return written


def _write(item: C, users: dict, outside: dict, numbers: dict) -> Contract:
    seller = users[item.seller]
    buyer_org = outside.get(item.buyer) or users[item.buyer].organisation
    province = OUTSIDE_BUYERS[item.buyer][0] if item.buyer in OUTSIDE_BUYERS else "陕西省"
    kind, _, subtype = item.kind.partition("/")
    prefix = PREFIXES[item.seller]
    numbers[prefix] = numbers.get(prefix, 0) + 1
    data = {
        "number": f"{prefix}-JS-{item.signed[:4]}-{numbers[prefix]:03d}",
        "title": item.title,
        "contract_type": kind,
        "subtype": subtype or None,
        "seller_org_id": seller.organisation_id,
        "buyer_org_id": buyer_org.id,
        "broker_id": users[item.broker].id if item.broker else None,
        "amount": item.amount,
        "payment_mode": item.payment,
        "signed_on": item.signed,
        "field": item.field,
        "buyer_province": province,
        "achievement_id": _row_id(Achievement, item.achievement),
        "demand_id": _row_id(Demand, item.demand),
    }
    signed = date.fromisoformat(item.signed)
    if item.payment == "instalments":
        data["term_start"], data["term_end"] = item.signed, (signed + timedelta(days=730)).isoformat()
    author = users[item.broker] if item.broker else seller
    return contracts.create_contract(author, data)


def _row_id(model, title: str | None) -> int | None:
    if not title:
        return None
    return db.session.scalar(select(model.id).where(model.title == title).order_by(model.id).limit(1))


def _advance(item: C, contract_id: int, users: dict, admin: User, moments) -> None:
    """Submit, then register or return, as the parties and the admin would, on the days that follow the
    signing."""
    if item.status == "draft":
        return
    submitted_at, decided_at = moments
    author = users[item.broker] if item.broker else users[item.seller]
    with happening(submitted_at):
        contracts.submit_contract(author, contract_id)
    if item.status == "registered":
        with happening(decided_at):
            contracts.register_contract(
                admin,
                contract_id,
                {
                    "recognised_amount": str(recognised_amount(item)),
                    "registration_number": f"{in_beijing(decided_at).year}611100{contract_id:08d}",
                },
            )
    elif item.status == "returned":
        with happening(decided_at):
            contracts.return_contract(admin, contract_id, item.reason)
