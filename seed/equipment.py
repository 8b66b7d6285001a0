"""Demo shared instruments (大型科研仪器) with fee schedules. Model names are real commercial
instrument models; which institution owns which instrument, the rooms and the fees are made up.
price_yuan is the external price, internal_price_yuan what members of the owning institution pay.
"""

EQUIPMENT = [
    {
        "owner": "university@demo.qcy",
        "field": "新材料",
        "name": "球差校正透射电子显微镜",
        "model": "Titan Themis G2 300",
        "category": "分析测试",
        "location": "西安交通大学中国西部科技创新港 分析测试共享中心",
        "open_for_booking": True,
        "description": "配备物镜球差校正器和Super-X能谱系统，STEM分辨率优于0.06nm，可进行原子尺度成像、"
        "元素面分布和电子能量损失谱分析。样品需提前制备为合格的透射样品，可提供FIB制样服务。",
        "fee_items": [
            {
                "label": "高分辨STEM成像",
                "unit": "元/小时",
                "price_yuan": "1800",
                "internal_price_yuan": "900",
            },
            {
                "label": "EDS元素面分布",
                "unit": "元/小时",
                "price_yuan": "2000",
                "internal_price_yuan": "1000",
            },
            {
                "label": "FIB透射制样",
                "unit": "元/样",
                "price_yuan": "2500",
                "internal_price_yuan": "1500",
                "note": "含定点提取和减薄",
            },
        ],
    },
    {
        "owner": "university@demo.qcy",
        "field": "新材料",
        "name": "X射线光电子能谱仪",
        "model": "ESCALAB Xi+",
        "category": "分析测试",
        "location": "西安交通大学中国西部科技创新港 分析测试共享中心",
        "open_for_booking": True,
        "description": "用于材料表面元素组成、化学价态分析，配备氩离子枪可进行深度剖析，适用于电池材料、"
        "催化剂和薄膜样品。",
        "fee_items": [
            {
                "label": "全谱+3个元素精细谱",
                "unit": "元/样",
                "price_yuan": "400",
                "internal_price_yuan": "200",
            },
            {
                "label": "每增加1个元素精细谱",
                "unit": "元/样",
                "price_yuan": "60",
                "internal_price_yuan": "30",
            },
            {"label": "深度剖析", "unit": "元/小时", "price_yuan": "800", "internal_price_yuan": "400"},
        ],
    },
    {
        "owner": "nwpu@demo.qcy",
        "field": "航空航天",
        "name": "工业CT无损检测系统",
        "model": "phoenix v|tome|x m 300",
        "category": "物理性能测试",
        "location": "西北工业大学 翱翔小镇 先进制造检测平台",
        "open_for_booking": True,
        "description": "最高管电压300kV，可对铸件、增材制造零件和复合材料构件进行内部缺陷检测、"
        "尺寸测量和孔隙率分析，"
        "最大样品直径500mm。",
        "fee_items": [
            {"label": "CT扫描与重建", "unit": "元/小时", "price_yuan": "1200", "internal_price_yuan": "600"},
            {"label": "缺陷分析报告", "unit": "元/样", "price_yuan": "800", "internal_price_yuan": "400"},
        ],
    },
    {
        "owner": "xidian@demo.qcy",
        "field": "电子信息",
        "name": "矢量网络分析仪",
        "model": "N5227B PNA",
        "category": "电子测量",
        "location": "西安电子科技大学 南校区 微波测试实验室",
        "open_for_booking": True,
        "description": "频率范围10MHz–67GHz，配合探针台可进行芯片在片S参数测试，适用于射频器件、"
        "天线和滤波器测试。",
        "fee_items": [
            {"label": "S参数测试", "unit": "元/小时", "price_yuan": "600", "internal_price_yuan": "300"},
            {
                "label": "在片测试（含探针台）",
                "unit": "元/小时",
                "price_yuan": "900",
                "internal_price_yuan": "450",
            },
        ],
    },
    {
        "owner": "nwu@demo.qcy",
        "field": "生物医药",
        "name": "超高效液相色谱—高分辨质谱联用仪",
        "model": "Q Exactive Plus",
        "category": "分析测试",
        "location": "西北大学 长安校区 生命科学学院公共仪器平台",
        "open_for_booking": True,
        "description": "可进行天然产物成分鉴定、代谢组学和药物杂质分析，提供方法开发与数据解析服务。",
        "fee_items": [
            {"label": "定性分析", "unit": "元/样", "price_yuan": "500", "internal_price_yuan": "250"},
            {
                "label": "非靶向代谢组学（含数据分析）",
                "unit": "元/样",
                "price_yuan": "1200",
                "internal_price_yuan": "800",
            },
            {
                "label": "方法开发",
                "unit": "面议",
                "price_yuan": None,
                "internal_price_yuan": None,
                "note": "根据样品复杂程度协商",
            },
        ],
    },
    {
        "owner": "opt@demo.qcy",
        "field": "光子",
        "name": "大口径激光干涉仪",
        "model": "Verifire HDX",
        "category": "光学仪器",
        "location": "中国科学院西安光学精密机械研究所 光学检测中心",
        "open_for_booking": True,
        "description": "口径150mm（可扩束至600mm），用于平面、球面光学元件面形及透射波前检测，"
        "检测重复性优于λ/1000 RMS。",
        "fee_items": [
            {
                "label": "平面/球面面形检测",
                "unit": "元/样",
                "price_yuan": "600",
                "internal_price_yuan": "300",
            },
            {"label": "大口径扩束检测", "unit": "元/样", "price_yuan": "2000", "internal_price_yuan": "1200"},
        ],
    },
    {
        "owner": "opt@demo.qcy",
        "field": "光子",
        "name": "飞秒激光微纳加工系统",
        "model": "自研 FLM-300",
        "category": "材料加工",
        "location": "中国科学院西安光学精密机械研究所 超快光学平台",
        "open_for_booking": False,
        "description": "波长1030/515nm可切换，加工幅面300mm×300mm，可进行玻璃、"
        "蓝宝石切割打孔和表面微结构加工。"
        "设备目前用于所内项目，暂停对外预约。",
        "fee_items": [
            {"label": "工艺打样", "unit": "元/小时", "price_yuan": "1500", "internal_price_yuan": "800"},
        ],
    },
    {
        "owner": "chd@demo.qcy",
        "field": "高端装备",
        "name": "多功能沥青混合料性能试验系统",
        "model": "UTM-130",
        "category": "物理性能测试",
        "location": "长安大学 渭水校区 道路工程实验中心",
        "open_for_booking": True,
        "description": "可进行沥青混合料动态模量、疲劳、永久变形和间接拉伸试验，服务道路工程设计与材料研发。",
        "fee_items": [
            {"label": "动态模量试验", "unit": "元/样", "price_yuan": "900", "internal_price_yuan": "500"},
            {
                "label": "四点弯曲疲劳试验",
                "unit": "元/样",
                "price_yuan": "1500",
                "internal_price_yuan": "900",
            },
        ],
    },
    {
        "owner": "xaut@demo.qcy",
        "field": "环境保护",
        "name": "电感耦合等离子体质谱仪",
        "model": "iCAP RQ",
        "category": "环境监测",
        "location": "西安理工大学 金花校区 水利水电与环境测试中心",
        "open_for_booking": True,
        "description": "可检测水、土壤和沉积物中的痕量重金属元素，检出限达到ng/L级，提供前处理服务。",
        "fee_items": [
            {"label": "单元素测定", "unit": "元/样", "price_yuan": "120", "internal_price_yuan": "60"},
            {"label": "多元素全扫", "unit": "元/样", "price_yuan": "400", "internal_price_yuan": "200"},
            {"label": "微波消解前处理", "unit": "元/样", "price_yuan": "80", "internal_price_yuan": "40"},
        ],
    },
    {
        "owner": "nwafu@demo.qcy",
        "field": "现代农业",
        "name": "植物表型高通量成像平台",
        "model": "PlantScreen",
        "category": "生物医学",
        "location": "西北农林科技大学 北校区 作物表型组学平台",
        "open_for_booking": True,
        "description": "集成可见光、荧光、高光谱和热红外成像，自动获取植株形态、生长速率和胁迫响应表型数据，"
        "适用于育种材料筛选和栽培试验。",
        "fee_items": [
            {"label": "表型成像（按盆）", "unit": "元/样", "price_yuan": "30", "internal_price_yuan": "15"},
            {"label": "平台包天使用", "unit": "元/天", "price_yuan": "6000", "internal_price_yuan": "3000"},
        ],
    },
    {
        "owner": "chip@demo.qcy",
        "field": "电子信息",
        "name": "3米法电波暗室及EMC测试系统",
        "model": "3m SAC",
        "category": "电子测量",
        "location": "西咸新区空港新城 芯联电子检测中心",
        "open_for_booking": True,
        "description": "可进行辐射发射、辐射抗扰度、静电放电、电快速瞬变等EMC预兼容测试，"
        "帮助企业在正式认证前发现和整改问题。",
        "fee_items": [
            {
                "label": "辐射发射预测试",
                "unit": "元/小时",
                "price_yuan": "800",
                "internal_price_yuan": "500",
                "note": "内部价格适用于园区入驻企业",
            },
            {"label": "静电放电抗扰度", "unit": "元/次", "price_yuan": "1500", "internal_price_yuan": "1000"},
        ],
    },
    {
        "owner": "bio@demo.qcy",
        "field": "生物医药",
        "name": "流式细胞分析仪",
        "model": "CytoFLEX S",
        "category": "生物医学",
        "location": "西咸新区秦汉新城 瑞和生物医药研发中心",
        "open_for_booking": True,
        "description": "4激光13色，可进行细胞表型分析、细胞周期和凋亡检测，提供上机培训后可自主操作。",
        "fee_items": [
            {"label": "自主上机", "unit": "元/小时", "price_yuan": "300", "internal_price_yuan": "150"},
            {
                "label": "代测（含数据分析）",
                "unit": "元/样",
                "price_yuan": "150",
                "internal_price_yuan": "100",
            },
        ],
    },
    {
        "owner": "university@demo.qcy",
        "field": "人工智能",
        "name": "高性能GPU计算集群",
        "model": "8×A800 计算节点 ×4",
        "category": "计算设备",
        "location": "西安交通大学中国西部科技创新港 网络信息中心",
        "open_for_booking": True,
        "description": "提供深度学习训练与推理算力，支持容器化作业提交，单节点8卡NVLink互联，"
        "配备并行文件存储。",
        "fee_items": [
            {"label": "单卡使用", "unit": "元/小时", "price_yuan": "12", "internal_price_yuan": "6"},
            {"label": "整节点包天", "unit": "元/天", "price_yuan": "2000", "internal_price_yuan": "1000"},
        ],
    },
]
