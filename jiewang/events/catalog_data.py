"""The seeded matter catalog (事项清单): a realistic starting list for a Chongqing town.

Each entry: (code, name, board, closable level, grid may self-handle, default department codes,
deadlines, keywords). Deadlines use the reference values of domain.md (digital-city examples and
Beijing 12345) and are editable per category afterwards. Department codes match
``Department.code`` of the demo city (the same code in every district).
"""

WH, WD, CH, CD = "working_hours", "working_days", "calendar_hours", "calendar_days"


def limits(accept, handle, verify=(1, WD), urgent_handle=None, emergency_handle=None):
    table = {"normal": {"accept": list(accept), "handle": list(handle), "verify": list(verify)}}
    if urgent_handle:
        table["urgent"] = {"accept": [1, WH], "handle": list(urgent_handle), "verify": [4, WH]}
    if emergency_handle:
        table["emergency"] = {"accept": [0.25, CH], "handle": list(emergency_handle), "verify": [2, CH]}
    return table


# Top level groups per board; children carry the rules.
GROUPS = [
    ("PB", "党的建设", "party_building"),
    ("EC", "经济发展", "economy"),
    ("LS", "民生服务", "livelihood"),
    ("SL", "平安法治", "safety"),
]

CATEGORIES = [
    # 平安法治 — safety and rule of law
    ("SL01", "SL", "占道经营", "safety", "community", True, ["cgj"], limits((2, WH), (2, WD), urgent_handle=(4, WH)), "摊贩 占道 流动摊点"),
    ("SL02", "SL", "违章搭建", "safety", "town", False, ["cgj", "ghzy"], limits((4, WH), (20, WD), urgent_handle=(4, WH)), "违建 搭建 加建"),
    ("SL03", "SL", "邻里纠纷", "safety", "community", True, ["sfj"], limits((2, WH), (5, WD)), "纠纷 矛盾 调解"),
    ("SL04", "SL", "安全隐患", "safety", "town", False, ["yjj"], limits((1, WH), (3, WD), urgent_handle=(8, WH), emergency_handle=(2, CH)), "隐患 危险 消防"),
    ("SL05", "SL", "消防通道堵塞", "safety", "community", True, ["yjj", "xf"], limits((1, WH), (1, WD), urgent_handle=(4, WH)), "消防 通道 堵塞"),
    ("SL06", "SL", "燃气安全", "safety", "town", False, ["yjj"], limits((0.5, CH), (1, WD), emergency_handle=(2, CH)), "燃气 煤气 泄漏"),
    ("SL07", "SL", "治安问题", "safety", "town", False, ["gaj"], limits((1, WH), (3, WD), emergency_handle=(2, CH)), "治安 盗窃 打架"),
    ("SL08", "SL", "电信诈骗线索", "safety", "town", False, ["gaj"], limits((1, WH), (2, WD)), "诈骗 电诈"),
    ("SL09", "SL", "信访诉求", "safety", "town", False, ["xfb"], limits((4, WH), (15, WD)), "信访 上访"),
    ("SL10", "SL", "地质灾害隐患", "safety", "town", False, ["ghzy", "yjj"], limits((1, WH), (3, WD), emergency_handle=(2, CH)), "滑坡 地灾 裂缝"),
    ("SL11", "SL", "防汛险情", "safety", "town", False, ["yjj", "slj"], limits((0.25, CH), (1, WD), emergency_handle=(2, CH)), "汛 内涝 积水"),
    ("SL12", "SL", "特殊人群动态", "safety", "community", True, ["sfj"], limits((2, WH), (3, WD)), "社区矫正 帮教"),
    # 民生服务 — livelihood services
    ("LS01", "LS", "垃圾堆放", "livelihood", "community", True, ["cgj"], limits((2, WH), (4, WH), urgent_handle=(2, WH)), "垃圾 暴露垃圾 乱堆"),
    ("LS02", "LS", "道路破损", "livelihood", "town", False, ["jw"], limits((2, WH), (5, WD), urgent_handle=(8, WH)), "坑洼 路面 破损"),
    ("LS03", "LS", "路灯故障", "livelihood", "town", False, ["cgj"], limits((2, WH), (2, WD)), "路灯 照明"),
    ("LS04", "LS", "井盖缺失", "livelihood", "town", False, ["cgj", "swj"], limits((1, WH), (4, WH), emergency_handle=(2, CH)), "井盖 窨井"),
    ("LS05", "LS", "供水故障", "livelihood", "town", False, ["swj"], limits((1, WH), (24, CH)), "停水 漏水 水管"),
    ("LS06", "LS", "供电故障", "livelihood", "town", False, ["gdj"], limits((1, WH), (24, CH)), "停电 电线"),
    ("LS07", "LS", "困难群众帮扶", "livelihood", "community", True, ["mzj"], limits((4, WH), (7, WD)), "困难 低保 救助"),
    ("LS08", "LS", "独居老人关爱", "livelihood", "community", True, ["mzj"], limits((4, WH), (3, WD)), "独居 老人 空巢"),
    ("LS09", "LS", "社保医保咨询", "livelihood", "community", True, ["rsj", "ybj"], limits((4, WH), (5, WD)), "社保 医保 养老保险"),
    ("LS10", "LS", "噪声扰民", "livelihood", "town", False, ["sthj", "gaj"], limits((2, WH), (3, WD)), "噪音 噪声 扰民"),
    ("LS11", "LS", "油烟污染", "livelihood", "town", False, ["sthj"], limits((2, WH), (5, WD)), "油烟 餐饮"),
    ("LS12", "LS", "绿化损毁", "livelihood", "community", True, ["cgj"], limits((4, WH), (5, WD)), "绿化 树木 草坪"),
    ("LS13", "LS", "物业纠纷", "livelihood", "community", False, ["zjw"], limits((4, WH), (10, WD)), "物业 小区"),
    ("LS14", "LS", "老旧小区设施", "livelihood", "town", False, ["zjw"], limits((4, WH), (15, WD)), "加装电梯 老旧小区"),
    ("LS15", "LS", "食品安全", "livelihood", "town", False, ["scjg"], limits((1, WH), (5, WD), urgent_handle=(8, WH)), "食品 过期 卫生"),
    ("LS16", "LS", "公共卫生", "livelihood", "town", False, ["wjw"], limits((1, WH), (3, WD)), "疫情 卫生 病媒"),
    ("LS17", "LS", "教育入学咨询", "livelihood", "town", False, ["jw2"], limits((4, WH), (7, WD)), "入学 学位"),
    # 经济发展 — economic development
    ("EC01", "EC", "企业诉求", "economy", "town", False, ["fgw", "scjg"], limits((4, WH), (7, WD)), "企业 营商环境"),
    ("EC02", "EC", "拖欠农民工工资", "economy", "town", False, ["rsj"], limits((2, WH), (7, WD), urgent_handle=(2, WD)), "欠薪 工资"),
    ("EC03", "EC", "无证经营", "economy", "town", False, ["scjg"], limits((4, WH), (10, WD)), "无照 无证"),
    ("EC04", "EC", "农业生产服务", "economy", "community", True, ["nyj"], limits((4, WH), (10, WD)), "农业 种植 养殖"),
    ("EC05", "EC", "耕地保护", "economy", "town", False, ["ghzy", "nyj"], limits((4, WH), (10, WD)), "耕地 占地 撂荒"),
    ("EC06", "EC", "环境污染（企业排放）", "economy", "town", False, ["sthj"], limits((1, WH), (5, WD), urgent_handle=(8, WH)), "排污 废水 废气"),
    ("EC07", "EC", "项目建设协调", "economy", "town", False, ["fgw"], limits((8, WH), (15, WD)), "项目 建设 征地"),
    # 党的建设 — party building
    ("PB01", "PB", "党员服务诉求", "party_building", "community", True, ["zzb"], limits((4, WH), (7, WD)), "党员 双报到"),
    ("PB02", "PB", "基层组织建设", "party_building", "town", False, ["zzb"], limits((8, WH), (15, WD)), "支部 组织生活"),
    ("PB03", "PB", "政策宣传需求", "party_building", "community", True, ["xcb"], limits((8, WH), (10, WD)), "宣传 政策 宣讲"),
    ("PB04", "PB", "志愿服务需求", "party_building", "community", True, ["tw"], limits((8, WH), (7, WD)), "志愿者 志愿服务"),
    ("PB05", "PB", "微心愿", "party_building", "community", True, ["zzb"], limits((8, WH), (15, WD)), "微心愿 心愿"),
]

# Typed extra fields for a few categories (→ Open311 attributes).
ATTRIBUTES = {
    "SL01": [{"code": "stall_count", "datatype": "number", "description": "摊位数量", "required": False, "order": 1}],
    "SL02": [{"code": "structure", "datatype": "singlevaluelist", "description": "搭建类型", "required": True,
              "order": 1, "values": [{"key": "roof", "name": "屋顶加建"}, {"key": "yard", "name": "院落搭建"},
                                     {"key": "shop", "name": "门面扩建"}]}],
    "SL04": [{"code": "hazard", "datatype": "multivaluelist", "description": "隐患类型", "required": True,
              "order": 1, "values": [{"key": "fire", "name": "消防"}, {"key": "electric", "name": "用电"},
                                     {"key": "structure", "name": "建筑结构"}, {"key": "other", "name": "其他"}]}],
    "LS02": [{"code": "area_m2", "datatype": "number", "description": "破损面积（平方米）", "required": False,
              "order": 1}],
    "EC02": [{"code": "workers", "datatype": "number", "description": "涉及人数", "required": True, "order": 1},
             {"code": "amount", "datatype": "number", "description": "涉及金额（元）", "required": False,
              "order": 2}],
}

# Departments of every district in the demo city, by code: (code, name). Departments belong to no
# board; jiewang.accounts.board_seed.DEPARTMENT_POST names the town post doing the same work.
DISTRICT_DEPARTMENTS = [
    ("cgj", "城市管理局"), ("ghzy", "规划和自然资源局"), ("sfj", "司法局"),
    ("yjj", "应急管理局"), ("xf", "消防救援支队"), ("gaj", "公安分局"),
    ("xfb", "信访办"), ("slj", "水利局"), ("jw", "交通运输委"),
    ("swj", "水务集团"), ("gdj", "供电公司"), ("mzj", "民政局"),
    ("rsj", "人力社保局"), ("ybj", "医保局"), ("sthj", "生态环境局"),
    ("zjw", "住房城乡建委"), ("scjg", "市场监管局"), ("wjw", "卫生健康委"),
    ("jw2", "教育委员会"), ("fgw", "发展改革委"), ("nyj", "农业农村委"),
    ("zzb", "组织部"), ("xcb", "宣传部"), ("tw", "团区委"),
]
