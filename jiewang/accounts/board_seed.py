"""The posts every town starts with, per board (四板块): the boards' posts and the town's own offices
and stations (站所), which are posts of a board too. Applied to a town by
:func:`jiewang.accounts.services.board_seed_town` (and by ``seed_demo``); each town edits its
posts afterwards (admin, /manage/boards/).

``DEPARTMENT_POST`` says which post of the event's town takes the work a district department
would otherwise take: the matter catalog's default post (``MatterCategory.default_post_name``)
is seeded from it, so routing proposes the town's own post first and the department second.
"""

from __future__ import annotations

from .choices import BoardKind

BOARD_NAMES = {
    BoardKind.PARTY_BUILDING: "党的建设",
    BoardKind.ECONOMY: "经济发展",
    BoardKind.LIVELIHOOD: "民生服务",
    BoardKind.SAFETY: "平安法治",
}

# board kind -> [(post name, duties)]
TOWN_POSTS: dict[str, list[tuple[str, str]]] = {
    BoardKind.PARTY_BUILDING: [
        ("组织岗", "基层党组织建设、党员发展与管理"),
        ("宣传岗", "理论宣讲、意识形态、精神文明建设"),
        ("群团岗", "工会、共青团、妇联等群团工作"),
    ],
    BoardKind.ECONOMY: [
        ("经济岗", "招商引资、企业服务、统计"),
        ("农业服务中心", "农业生产、农村经营管理、乡村振兴"),
        ("规划建设管理环保办", "规划建设、生态环境保护、河长制、违法建设查处"),
        ("市场监管所", "食品安全、市场秩序（派驻）"),
    ],
    BoardKind.LIVELIHOOD: [
        ("民政办", "社会救助、养老服务、残疾人工作"),
        ("社保所", "社会保险、就业创业、劳动保障、医疗保障"),
        ("卫健办", "公共卫生、计划生育、爱国卫生"),
        ("便民服务中心", "便民服务窗口、代办帮办、公用事业报修协调"),
    ],
    BoardKind.SAFETY: [
        ("综治办", "社会治安综合治理、网格化管理、矛盾纠纷排查化解"),
        ("综合执法大队", "综合行政执法：占道经营、违章搭建、市容环境"),
        ("派出所", "治安、反诈、户籍（派驻）"),
        ("司法所", "人民调解、社区矫正、法治宣传"),
        ("应急办", "应急管理、安全生产、消防、防汛减灾、地质灾害"),
        ("信访办", "来信来访、信访积案化解"),
    ],
}

# district department code (catalog_data.DISTRICT_DEPARTMENTS) -> the town post doing that work
DEPARTMENT_POST: dict[str, str] = {
    "cgj": "综合执法大队", "ghzy": "规划建设管理环保办", "sfj": "司法所", "yjj": "应急办", "xf": "应急办",
    "gaj": "派出所", "xfb": "信访办", "slj": "应急办", "jw": "便民服务中心", "swj": "便民服务中心",
    "gdj": "便民服务中心", "mzj": "民政办", "rsj": "社保所", "ybj": "社保所", "sthj": "规划建设管理环保办",
    "zjw": "规划建设管理环保办", "scjg": "市场监管所", "wjw": "卫健办", "jw2": "便民服务中心", "fgw": "经济岗",
    "nyj": "农业服务中心", "zzb": "组织岗", "xcb": "宣传岗", "tw": "群团岗",
}


def board_of_post(name: str) -> str | None:
    """The board kind whose seed list holds the post ``name``."""
    for kind, posts in TOWN_POSTS.items():
        if any(p == name for p, _d in posts):
            return kind
    return None
