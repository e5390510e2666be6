"""Chinese place names for the demo city, drawn from syllable tables.

Every name is a random pick from the tables below (so the same seed gives the same names) made
unique within its parent by the caller's ``taken`` set. The tables mimic the flavour of
south-west China place names (坪, 坝, 湾, 溪, 场, 铺…) without reproducing a real map.
"""

from __future__ import annotations

import numpy as np

CITY_NAME = "渝州市"
CITY_CODE = "500000"

# District/county stems: two characters, e.g. 江北, 南岸, 璧山.
DISTRICT_FIRST = "江南北沙巴璧铜綦永荣梁垫丰忠云奉巫武石秀酉彭黔开城万涪长合潼大九双龙凤青白金玉渝东西溪清华安"
DISTRICT_SECOND = "北岸山川江安平阳陵州溪坪津城宁丰都水南川梁山寿兴源口渡隆州坝"

# Town/street and village/community stems.
PLACE_FIRST = (
    "石龙凤金玉黄红新大小长高东西南北上中青白双三马鹿龟鹤桂梅竹松柏桃李杨柳回兴太永福"
    "清宝观铁土沙盘花凉狮虎蔡陈张王刘何罗胡唐邓冉谭彭庙"
)
PLACE_SECOND = "桥溪坪湾河坝岗岭沟塘林园湖岩滩峰池田家庄山井门关寺堰"
# Optional third character for three-character names (石桥铺, 回龙坝, 白市驿).
PLACE_THIRD = "铺场坝湾驿坡垭口寺桥"
# Names of urban communities are often auspicious words rather than landforms.
COMMUNITY_WORDS = [
    "幸福", "和平", "团结", "光明", "胜利", "建设", "民主", "友谊", "新华", "人和", "阳光", "锦绣",
    "滨江", "翠湖", "花园", "东城", "西城", "南苑", "北苑", "中心", "朝阳", "春晖", "康宁", "和谐",
    "正街", "新街", "老街", "长乐", "安居", "富康", "嘉苑", "兴隆", "文星", "桂湖", "龙湖", "金港",
]

# Institutions of dedicated grids (专属网格), by grid type.
INSTITUTION_SUFFIX = {
    "school": ["小学", "中学", "实验学校", "职业中学", "幼儿园"],
    "hospital": ["医院", "中医院", "妇幼保健院", "社区卫生服务中心"],
    "enterprise": ["机械厂", "电子有限公司", "汽车配件厂", "食品有限公司", "物流园"],
    "park": ["工业园", "公园", "湿地公园", "科技园"],
    "elderly_home": ["敬老院", "养老服务中心", "康养中心"],
    "office_building": ["大厦", "国际中心", "商务广场", "金融中心"],
    "market": ["农贸市场", "商圈", "批发市场", "步行街"],
    "other_dedicated": ["汽车站", "体育中心", "文化宫"],
}


def _stem(rng: np.random.Generator, first: str, second: str, third: str = "",
          p3: float = 0.0) -> str:
    name = first[rng.integers(len(first))] + second[rng.integers(len(second))]
    if third and rng.random() < p3:
        name += third[rng.integers(len(third))]
    return name


def _unique(make, taken: set[str]) -> str:
    for _ in range(500):
        name = make()
        if name not in taken:
            taken.add(name)
            return name
    # Tables exhausted for this parent (never at the sizes we generate): number it.
    base = make()
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    taken.add(f"{base}{n}")
    return f"{base}{n}"


def district_name(rng: np.random.Generator, taken: set[str], *, county: bool) -> str:
    """"江北区", "璧山区", "云阳县"."""
    suffix = "县" if county else "区"

    def make():
        return _stem(rng, DISTRICT_FIRST, DISTRICT_SECOND) + suffix

    return _unique(make, taken)


def town_name(rng: np.random.Generator, taken: set[str], *, kind: str) -> str:
    """kind is 街道, 镇 or 乡: "石桥铺街道", "龙溪镇", "凉山乡"."""

    def make():
        return _stem(rng, PLACE_FIRST, PLACE_SECOND, PLACE_THIRD, 0.3) + kind

    return _unique(make, taken)


def community_name(rng: np.random.Generator, taken: set[str], *, kind: str) -> str:
    """kind is 社区 or 村: "幸福社区", "石龙村", "回龙坝社区"."""

    def make():
        if kind == "社区" and rng.random() < 0.5:
            return COMMUNITY_WORDS[rng.integers(len(COMMUNITY_WORDS))] + kind
        return _stem(rng, PLACE_FIRST, PLACE_SECOND, PLACE_THIRD, 0.15) + kind

    return _unique(make, taken)


def grid_name(community: str, number: int) -> str:
    """A comprehensive grid: "幸福社区第3网格"."""
    return f"{community}第{number}网格"


def institution_name(rng: np.random.Generator, taken: set[str], *, grid_type: str,
                     place: str) -> str:
    """A dedicated grid named after its institution: "石桥铺中学专属网格"."""
    suffixes = INSTITUTION_SUFFIX.get(grid_type, INSTITUTION_SUFFIX["other_dedicated"])

    def make():
        return f"{place}{suffixes[rng.integers(len(suffixes))]}专属网格"

    return _unique(make, taken)


# --- Boards, posts and departments -------------------------------------------------------------

# The boards and their posts (and the towns' own stations) come from
# jiewang.accounts.board_seed.TOWN_POSTS, the list every town is seeded with.
# The city's departments (职能部门; departments belong to no board).
CITY_DEPARTMENTS: list[str] = [
    "市城市管理局",
    "市应急管理局",
    "市公安局",
    "市生态环境局",
    "市民政局",
    "市卫生健康委",
    "市委组织部",
]


# --- People ------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑梁谢唐许冯宋韩邓彭曹曾田萧潘袁蒋蔡余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红梅玉兵春燕志辉晓琳婷鹏飞宇浩然欣怡俊杰佳颖思雨梓涵子轩雪梅海燕文斌小龙建华德明永红"


def person_name(rng: np.random.Generator) -> str:
    """A plausible Chinese personal name: "陈晓琳", "王强"."""
    given = GIVEN[rng.integers(len(GIVEN))]
    if rng.random() < 0.7:
        given += GIVEN[rng.integers(len(GIVEN))]
    return SURNAMES[rng.integers(len(SURNAMES))] + given
