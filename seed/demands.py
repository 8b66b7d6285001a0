"""Demo technology demands (技术需求), several of them open calls (揭榜挂帅). The enterprises are
fictional. Budgets and rewards are in 元; `deadline_days` counts from the day the seed runs.
`then`: "draft" keeps it unsubmitted, "withdraw" publishes and then withdraws it.
"""

DEMANDS = [
    # ---- 西咸新区沣东澄源新材料科技有限公司 (the demo enterprise account) ------------------------------
    {
        "owner": "enterprise@demo.qcy",
        "field": "新材料",
        "open_call": True,
        "title": "【揭榜挂帅】高镍正极材料高温循环性能提升技术攻关",
        "description": "我公司年产高镍三元正极材料5000吨，产品在45℃高温循环和高温存储时容量衰减偏快，"
        "影响动力电池客户认证。现面向社会公开张榜，征集表面包覆、体相掺杂或单晶化改性技术方案。\n"
        "考核指标：4.3V、45℃条件下1C循环800次容量保持率≥88%；产气量较现有产品降低30%；"
        "改造方案可在现有窑炉产线实施，吨成本增加不超过3000元。\n"
        "揭榜方须在12个月内完成百公斤级验证，公司提供中试场地、原料和检测支持。",
        "budget_min_yuan": "2000000",
        "budget_max_yuan": "5000000",
        "reward_yuan": "500000",
        "deadline_days": 45,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "enterprise@demo.qcy",
        "field": "新材料",
        "title": "正极材料前驱体共沉淀过程在线粒度监测",
        "description": "前驱体共沉淀反应釜目前依靠人工取样离线测粒度，批次一致性差。"
        "寻求可在线监测反应釜内颗粒粒径分布的传感器或软测量方法，并能与DCS系统联动调节pH和氨浓度。",
        "budget_min_yuan": "300000",
        "budget_max_yuan": "800000",
        "deadline_days": 90,
        "cooperation_mode": "委托开发",
    },
    {
        "owner": "enterprise@demo.qcy",
        "field": "环境保护",
        "title": "三元前驱体生产废水中氨氮与硫酸钠资源化回收",
        "description": "公司前驱体车间每天产生约800吨含高浓度硫酸钠和氨氮的废水，现有蒸发结晶能耗高。"
        "希望引进低能耗的氨回收和芒硝提纯技术，实现废水近零排放，回收产品达到工业级标准。",
        "budget_min_yuan": "1000000",
        "budget_max_yuan": "3000000",
        "deadline_days": None,
        "cooperation_mode": "技术转让",
    },
    {
        "owner": "enterprise@demo.qcy",
        "field": "人工智能",
        "title": "正极材料烧结窑炉温度场智能控制",
        "description": "辊道窑温区多、滞后大，现依赖老师傅经验调整。"
        "希望基于历史生产数据建立窑炉温度场预测模型，"
        "给出燃气和风量调节建议，稳定产品残锂和比表面积指标。",
        "budget_min_yuan": "200000",
        "budget_max_yuan": "500000",
        "deadline_days": 60,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "enterprise@demo.qcy",
        "field": "新材料",
        "title": "钠离子电池层状氧化物正极材料技术引进",
        "description": "公司计划布局钠离子电池正极材料，拟引进层状氧化物正极材料成套制备技术，"
        "要求克容量≥140mAh/g，具备吨级中试数据。方案正在内部论证，暂未提交。",
        "budget_min_yuan": "3000000",
        "budget_max_yuan": "8000000",
        "deadline_days": None,
        "cooperation_mode": "技术转让",
        "then": "draft",
    },
    # ---- 西咸新区沣西云析智能科技有限公司 ------------------------------------------------------------
    {
        "owner": "ai@demo.qcy",
        "field": "人工智能",
        "title": "面向政务文书的中文长文本摘要与要素抽取",
        "description": "需要针对请示、报告、会议纪要等政务文书，自动生成摘要并抽取时间、责任单位、"
        "事项和时限要素，"
        "要求可在国产服务器和国产操作系统上私有化部署，推理延迟小于2秒。",
        "budget_min_yuan": "300000",
        "budget_max_yuan": "600000",
        "deadline_days": 75,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "ai@demo.qcy",
        "field": "电子信息",
        "title": "数据中心液冷服务器节点能效优化",
        "description": "公司在沣西新城运营的算力中心计划改造为冷板式液冷，希望获得服务器节点级流量分配、"
        "冷却液温度设定与负载调度的联合优化方法，目标PUE降至1.2以下。",
        "budget_min_yuan": "500000",
        "budget_max_yuan": "1500000",
        "deadline_days": None,
        "cooperation_mode": "技术咨询",
    },
    {
        "owner": "ai@demo.qcy",
        "field": "人工智能",
        "open_call": True,
        "title": "【揭榜挂帅】工业质检小样本缺陷检测通用模型",
        "description": "面向园区内电子装联、精密铸件和光伏组件等企业的外观质检需求，"
        "征集小样本条件下的缺陷检测通用模型。\n"
        "考核指标：每类缺陷训练样本不超过50张时，检出率≥98%、误报率≤1%；"
        "单张图像推理时间≤100ms；在三家以上企业产线完成验证。\n"
        "揭榜成功后，公司将与揭榜团队共建联合实验室并共享后续产品收益。",
        "budget_min_yuan": "800000",
        "budget_max_yuan": "2000000",
        "reward_yuan": "300000",
        "deadline_days": 30,
        "cooperation_mode": "合作开发",
    },
    # ---- 西咸新区秦汉瑞和生物医药有限公司 ------------------------------------------------------------
    {
        "owner": "bio@demo.qcy",
        "field": "生物医药",
        "title": "抗体药物细胞培养工艺放大技术服务",
        "description": "公司一款单克隆抗体已完成200L规模工艺开发，"
        "需在2000L一次性生物反应器上进行工艺放大和表征，"
        "寻求具有GMP中试经验的团队提供工艺放大、质量研究和技术转移服务。",
        "budget_min_yuan": "1500000",
        "budget_max_yuan": "3000000",
        "deadline_days": 120,
        "cooperation_mode": "技术服务",
    },
    {
        "owner": "bio@demo.qcy",
        "field": "生物医药",
        "title": "中药经典名方复方制剂药效物质基础研究",
        "description": "拟开发一个治疗慢性胃炎的经典名方复方制剂，需要合作开展药效物质基础、"
        "作用机制和质量标志物研究，"
        "为申报提供药学研究资料。",
        "budget_min_yuan": "800000",
        "budget_max_yuan": "1200000",
        "deadline_days": None,
        "cooperation_mode": "委托开发",
    },
    {
        "owner": "bio@demo.qcy",
        "field": "生物医药",
        "open_call": True,
        "title": "【揭榜挂帅】mRNA疫苗递送用可电离脂质国产化",
        "description": "征集具有自主知识产权的可电离脂质分子及脂质纳米粒（LNP）处方工艺，"
        "解决mRNA药物递送系统核心原料依赖进口的问题。\n"
        "考核指标：小鼠肌注表达水平不低于对照进口脂质；合成路线不超过6步、总收率≥20%；"
        "具备公斤级放大可行性并形成自主专利。",
        "budget_min_yuan": "3000000",
        "budget_max_yuan": "6000000",
        "reward_yuan": "1000000",
        "deadline_days": 60,
        "cooperation_mode": "合作开发",
    },
    # ---- 西咸新区空港翔宇航空装备有限公司 ------------------------------------------------------------
    {
        "owner": "aero@demo.qcy",
        "field": "航空航天",
        "title": "航空铝合金薄壁件加工变形控制",
        "description": "公司承接民机框、梁类7050铝合金薄壁零件加工，零件加工后变形超差返修率约15%。"
        "寻求残余应力检测、工艺路线优化和装夹方案设计等综合解决方案。",
        "budget_min_yuan": "400000",
        "budget_max_yuan": "900000",
        "deadline_days": 90,
        "cooperation_mode": "委托开发",
    },
    {
        "owner": "aero@demo.qcy",
        "field": "高端装备",
        "title": "飞机装配自动钻铆末端执行器",
        "description": "为提升机身壁板装配效率，"
        "需要研制可搭载于工业机器人的自动钻铆末端执行器，具备法向找正、"
        "锪窝深度控制和送钉功能，孔位精度±0.1mm。",
        "budget_min_yuan": "1500000",
        "budget_max_yuan": "3000000",
        "deadline_days": None,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "aero@demo.qcy",
        "field": "航空航天",
        "title": "航材仓储件全生命周期追溯系统",
        "description": "希望建设覆盖入库、检验、存储、发料、装机的航材追溯系统，支持RFID和二维码标识、"
        "适航文件关联查询，"
        "并与现有ERP对接。",
        "budget_min_yuan": "200000",
        "budget_max_yuan": "400000",
        "deadline_days": None,
        "cooperation_mode": "技术服务",
        "then": "withdraw",
        "note": "已与服务商签约，需求关闭",
    },
    # ---- 西咸新区泾河氢途能源科技有限公司 ------------------------------------------------------------
    {
        "owner": "h2@demo.qcy",
        "field": "氢能",
        "open_call": True,
        "title": "【揭榜挂帅】兆瓦级碱性电解槽宽功率波动适应技术",
        "description": "公司拟在泾河新城建设风光制氢示范项目，"
        "现有碱性电解槽在可再生能源功率波动下存在低负荷时氢中氧含量升高、"
        "频繁启停寿命下降等问题。\n"
        "考核指标：单槽产氢1000Nm³/h，负荷调节范围20%–110%，20%负荷下氢中氧含量≤1.5%，"
        "冷启动时间≤30分钟。欢迎高校院所与装备企业联合揭榜。",
        "budget_min_yuan": "5000000",
        "budget_max_yuan": "10000000",
        "reward_yuan": "2000000",
        "deadline_days": 90,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "h2@demo.qcy",
        "field": "氢能",
        "title": "加氢站氢气纯度在线检测仪",
        "description": "加氢站需按燃料电池汽车用氢标准检测一氧化碳、硫化物等痕量杂质，目前送检周期长。"
        "寻求可在站内使用的在线或快速检测设备。",
        "budget_min_yuan": "300000",
        "budget_max_yuan": "600000",
        "deadline_days": 50,
        "cooperation_mode": "技术转让",
    },
    {
        "owner": "h2@demo.qcy",
        "field": "新材料",
        "title": "IV型储氢瓶塑料内胆材料",
        "description": "寻求适用于70MPa IV型储氢瓶的高阻隔聚酰胺或高密度聚乙烯内胆材料及滚塑/吹塑成型工艺，"
        "氢气渗透率满足相关标准要求。",
        "budget_min_yuan": None,
        "budget_max_yuan": None,
        "deadline_days": None,
        "cooperation_mode": "合作开发",
    },
    # ---- 西咸新区博能电力科技有限公司 ----------------------------------------------------------------
    {
        "owner": "power@demo.qcy",
        "field": "新能源与节能",
        "title": "工商业储能电站电池簇一致性在线评估",
        "description": "公司在能源金贸区运营多座工商业储能电站，电池簇间容量和内阻差异逐年扩大。"
        "需要基于BMS运行数据的一致性在线评估和均衡策略，延长电站寿命。",
        "budget_min_yuan": "200000",
        "budget_max_yuan": "500000",
        "deadline_days": 40,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "power@demo.qcy",
        "field": "电子信息",
        "title": "配电网故障定位行波采集装置国产化",
        "description": "需要开发采样率不低于10MHz、具备北斗授时的配电网行波采集装置，"
        "实现10kV线路故障精确定位，"
        "核心芯片采用国产器件。",
        "budget_min_yuan": "600000",
        "budget_max_yuan": "1200000",
        "deadline_days": None,
        "cooperation_mode": "委托开发",
    },
    # ---- 西咸新区光启精密光电有限公司 ----------------------------------------------------------------
    {
        "owner": "photon@demo.qcy",
        "field": "光子",
        "title": "激光雷达用1550nm光纤放大器",
        "description": "公司开发车载激光雷达，需要小型化、低成本的1550nm脉冲光纤放大器，峰值功率≥2kW，"
        "体积小于60mm×40mm×15mm，满足车规环境要求。",
        "budget_min_yuan": "1000000",
        "budget_max_yuan": "2500000",
        "deadline_days": 100,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "photon@demo.qcy",
        "field": "光子",
        "title": "红外光学镜头自动装调检测",
        "description": "寻求红外镜头MTF自动检测与主动装调设备方案，提高多片式镜头装配良率，"
        "检测节拍不超过60秒。",
        "budget_min_yuan": "500000",
        "budget_max_yuan": "1000000",
        "deadline_days": None,
        "cooperation_mode": "技术转让",
    },
    # ---- 西咸新区泾河绿洲现代农业发展有限公司 --------------------------------------------------------
    {
        "owner": "agri@demo.qcy",
        "field": "现代农业",
        "title": "猕猴桃溃疡病绿色防控技术",
        "description": "公司在周至、眉县有合作种植基地约3000亩，近年猕猴桃溃疡病发生较重。"
        "寻求生防菌剂、健康栽培和预警监测相结合的综合防控技术，并提供技术培训。",
        "budget_min_yuan": "150000",
        "budget_max_yuan": "300000",
        "deadline_days": 35,
        "cooperation_mode": "技术服务",
    },
    {
        "owner": "agri@demo.qcy",
        "field": "现代农业",
        "title": "连栋温室环境智能调控与病害预警",
        "description": "新建20亩连栋温室种植樱桃番茄，需要温光水气环境智能调控系统和灰霉病、"
        "叶霉病早期预警模型。",
        "budget_min_yuan": "300000",
        "budget_max_yuan": "600000",
        "deadline_days": None,
        "cooperation_mode": "技术服务",
    },
    # ---- 西咸新区沣西清源环保科技有限公司 ------------------------------------------------------------
    {
        "owner": "env@demo.qcy",
        "field": "环境保护",
        "open_call": True,
        "title": "【揭榜挂帅】工业园区VOCs走航监测溯源技术",
        "description": "面向园区挥发性有机物精细化管控，征集车载走航监测与污染溯源一体化技术。\n"
        "考核指标：可识别苯系物、卤代烃等百种以上VOCs组分，检出限达到ppb级，"
        "结合气象数据在2小时内完成可疑排放源定位，定位准确率≥85%。",
        "budget_min_yuan": "1000000",
        "budget_max_yuan": "2000000",
        "reward_yuan": "300000",
        "deadline_days": 20,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "env@demo.qcy",
        "field": "环境保护",
        "title": "市政污泥低温干化与资源化利用",
        "description": "寻求低能耗的市政污泥低温干化技术，干化后含水率≤30%，"
        "并提供制备建材或土壤改良材料的资源化路线。",
        "budget_min_yuan": "800000",
        "budget_max_yuan": "2000000",
        "deadline_days": None,
        "cooperation_mode": "技术转让",
    },
    # ---- 西咸新区秦汉恒泰智能装备制造有限公司 --------------------------------------------------------
    {
        "owner": "equip@demo.qcy",
        "field": "高端装备",
        "title": "RV减速器精密摆线轮磨削工艺",
        "description": "公司生产工业机器人RV减速器，摆线轮齿形精度不稳定影响传动精度和寿命。"
        "寻求摆线轮修形设计和成形磨削工艺优化技术，目标齿廓误差≤3μm。",
        "budget_min_yuan": "500000",
        "budget_max_yuan": "1000000",
        "deadline_days": 80,
        "cooperation_mode": "委托开发",
    },
    {
        "owner": "equip@demo.qcy",
        "field": "人工智能",
        "title": "焊接机器人焊缝视觉跟踪",
        "description": "工程机械结构件焊接存在拼装误差，"
        "需要基于线激光视觉的焊缝实时跟踪和自适应焊接参数调整方案，"
        "适配公司现有国产机器人控制器。",
        "budget_min_yuan": "300000",
        "budget_max_yuan": "700000",
        "deadline_days": None,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "equip@demo.qcy",
        "field": "高端装备",
        "title": "大型铸件内部缺陷快速检测咨询",
        "description": "希望请专家评估X射线数字成像与超声相控阵两种方案对大型球墨铸铁件内部缩松缺陷的适用性，"
        "给出检测设备选型和工艺建议。",
        "budget_min_yuan": "50000",
        "budget_max_yuan": "100000",
        "deadline_days": 25,
        "cooperation_mode": "技术咨询",
    },
    # ---- 西咸新区空港芯联电子科技有限公司 ------------------------------------------------------------
    {
        "owner": "chip@demo.qcy",
        "field": "电子信息",
        "open_call": True,
        "title": "【揭榜挂帅】低功耗广域物联网通信SoC芯片设计",
        "description": "公司终端年出货量超过百万台，通信芯片全部外购。"
        "现面向高校院所和设计企业征集低功耗广域物联网通信SoC联合设计方案。\n"
        "考核指标：接收灵敏度≤-137dBm，休眠电流≤1μA，集成ARM Cortex-M系列或RISC-V内核，"
        "24个月内完成流片并通过公司产品验证。",
        "budget_min_yuan": "6000000",
        "budget_max_yuan": "12000000",
        "reward_yuan": "1500000",
        "deadline_days": 75,
        "cooperation_mode": "合作开发",
    },
    {
        "owner": "chip@demo.qcy",
        "field": "电子信息",
        "title": "电子产品EMC整改与预兼容测试服务",
        "description": "新一代智能表计产品辐射发射测试超标，需要EMC专家团队提供整改方案和预兼容测试服务。",
        "budget_min_yuan": "30000",
        "budget_max_yuan": "80000",
        "deadline_days": 15,
        "cooperation_mode": "技术服务",
    },
    # ---- Waiting for review: the enterprise has registered but is not verified yet -------------------
    {
        "owner": "newco@demo.qcy",
        "field": "其他",
        "title": "检测实验室信息管理系统（LIMS）建设",
        "description": "公司新设第三方检测实验室，需要建设覆盖委托受理、样品流转、原始记录、"
        "报告签发和CMA资质管理的LIMS系统。",
        "budget_min_yuan": "200000",
        "budget_max_yuan": "400000",
        "deadline_days": 60,
        "cooperation_mode": "技术服务",
    },
    {
        "owner": "newco@demo.qcy",
        "field": "环境保护",
        "title": "土壤重金属快速检测方法",
        "description": "寻求基于X射线荧光或电化学方法的土壤重金属现场快速检测技术，"
        "检测结果与实验室方法具有可比性。",
        "budget_min_yuan": "100000",
        "budget_max_yuan": "300000",
        "deadline_days": None,
        "cooperation_mode": "技术转让",
    },
]
