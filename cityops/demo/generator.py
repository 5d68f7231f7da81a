"""Deterministic demo city: 杭州市 with its departments, suppliers, enterprises and users.

Pure data, no Django: a management command turns a DemoCity into database rows. The same seed
always gives the same city; another seed gives other names and codes but the same counts.

Later modules add their own demo data (projects, needs, contracts, ...) with functions that take
the DemoCity and ``rng_for(city.seed, "<module name>")``, so adding one module never changes the
data of another.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from cityops.core import codes

DEFAULT_SEED = 20261124
CITY_CODE = "330100"
CITY_NAME = "杭州市"

# Hangzhou's county-level divisions after the 2021 re-drawing (GB/T 2260, see core/data/README.md).
HANGZHOU_DISTRICTS = (
    "330102",  # 上城区
    "330105",  # 拱墅区
    "330106",  # 西湖区
    "330108",  # 滨江区
    "330109",  # 萧山区
    "330110",  # 余杭区
    "330111",  # 富阳区
    "330112",  # 临安区
    "330113",  # 临平区
    "330114",  # 钱塘区
    "330122",  # 桐庐县
    "330127",  # 淳安县
    "330182",  # 建德市
)

# Where the out-of-province suppliers are registered: (district code, city prefix of the name).
OTHER_CITY_DISTRICTS = (
    ("110108", "北京"),  # 海淀区
    ("110105", "北京"),  # 朝阳区
    ("310115", "上海"),  # 浦东新区
    ("310104", "上海"),  # 徐汇区
    ("440305", "深圳市"),  # 南山区
    ("440304", "深圳市"),  # 福田区
    ("320106", "南京"),  # 鼓楼区
    ("510107", "成都"),  # 武侯区
    ("420111", "武汉"),  # 洪山区
)

# (key, full name, short name, number of generated officers). The count does not depend on the
# seed, so every seed gives the same number of users.
DEPARTMENTS: tuple[tuple[str, str, str, int], ...] = (
    ("data-bureau", "杭州市数据资源管理局", "数据局", 2),  # owns the platform (统筹部门)
    ("finance", "杭州市财政局", "财政局", 2),
    ("audit", "杭州市审计局", "审计局", 2),
    ("public-security", "杭州市公安局", "公安局", 2),
    ("health", "杭州市卫生健康委员会", "卫健委", 2),
    ("education", "杭州市教育局", "教育局", 2),
    ("transport", "杭州市交通运输局", "交通运输局", 2),
    ("urban-management", "杭州市城市管理局", "城管局", 2),
    ("ecology-environment", "杭州市生态环境局", "生态环境局", 1),
    ("market-regulation", "杭州市市场监督管理局", "市场监管局", 2),
    ("human-resources", "杭州市人力资源和社会保障局", "人社局", 1),
    ("civil-affairs", "杭州市民政局", "民政局", 1),
    ("housing-construction", "杭州市住房和城乡建设局", "住建局", 1),
    ("planning-resources", "杭州市规划和自然资源局", "规划资源局", 1),
    ("emergency", "杭州市应急管理局", "应急管理局", 1),
    ("culture-tourism", "杭州市文化广电旅游局", "文广旅游局", 1),
    ("commerce", "杭州市商务局", "商务局", 1),
    ("economy-it", "杭州市经济和信息化局", "经信局", 2),
    ("development-reform", "杭州市发展和改革委员会", "发改委", 2),
    ("agriculture", "杭州市农业农村局", "农业农村局", 1),
    ("forestry-water", "杭州市林业水利局", "林水局", 1),
    ("healthcare-security", "杭州市医疗保障局", "医保局", 1),
    ("science-technology", "杭州市科学技术局", "科技局", 1),
)

N_SUPPLIERS = 87  # the brief's Hangzhou "city demand cloud": 87 technology companies
N_OTHER_PROVINCE_SUPPLIERS = 9  # about 10% registered outside Zhejiang
N_ENTERPRISES = 40
N_PUBLIC_USERS = 20

# Two-character trade names (字号). Invented for the demo; well-known companies' names left out.
TRADE_NAMES = (
    "恒远", "云帆", "数衡", "智川", "星澜", "凌云", "天衡", "长风", "青禾", "明湖",
    "溪岸", "蓝湾", "汇澄", "致远", "卓辰", "鼎晟", "睿联", "思源", "景行", "知微",
    "嘉树", "越峰", "泊岸", "觅云", "拓川", "衡石", "映山", "朗程", "沐光", "岚峰",
    "启衡", "望舒", "晨曦", "南屏", "松石", "听涛", "观澜", "若水", "知行", "谦和",
    "弘毅", "笃行", "立方", "原点", "方圆", "峻岭", "清越", "晴川", "曜石", "墨池",
    "砚田", "竹溪", "梧桐", "银杏", "香樟", "桂语", "枫林", "橙果", "青檀", "白露",
    "谷雨", "立春", "惊蛰", "芒种", "霜降", "小满", "明远", "安澜", "宁川", "祥云",
    "瑞丰", "泰和", "广域", "联析", "数帆", "智桥", "数桥", "信衡", "易达", "迅联",
    "通衢", "四象", "九畴", "千帆", "百川", "一苇", "三潭", "六和", "七弦", "十方",
    "云间", "山海", "越州", "临湖", "望潮", "听雨", "闻涛", "逐光", "追风", "拾光",
    "微澜", "素问", "灵犀", "瀚海", "沧澜", "浩渺", "启程", "新禾", "朴石", "简行",
    "匠心", "合众", "同舟", "和鸣", "乐成", "慧衡", "精诚", "至诚", "守正", "创衡",
    "融智", "聚贤", "凝云", "汇流", "翼展", "鸿鹄", "鹏程", "飞羽", "锦程", "绣川",
    "云岫", "层峦", "叠翠", "苍穹", "星图", "极光", "恒星", "行云", "流觞", "雅集",
    "兰亭", "曲院", "风荷", "柳浪", "闻莺", "花港", "平湖", "秋月", "苏堤", "玉泉",
)  # fmt: skip

# Supplier industry words: (word in the name, GB/T 4754 division, short form for short_name).
SUPPLIER_INDUSTRIES = (
    ("信息技术", "65", "信息"),
    ("网络科技", "64", "网络"),
    ("数据科技", "65", "数据"),
    ("智能科技", "65", "智能"),
    ("软件", "65", "软件"),
    ("云计算", "65", "云计算"),
    ("安全技术", "65", "安全"),
    ("物联网科技", "65", "物联网"),
    ("数字科技", "65", "数字"),
    ("通信技术", "63", "通信"),
    ("互联网科技", "64", "互联网"),
)

# Enterprise business words: (word in the name, GB/T 4754 division, short form).
ENTERPRISE_INDUSTRIES = (
    ("农业开发", "01", "农业"),
    ("食品", "14", "食品"),
    ("茶业", "15", "茶业"),
    ("纺织", "17", "纺织"),
    ("服饰", "18", "服饰"),
    ("家居", "21", "家居"),
    ("印务", "23", "印务"),
    ("新材料", "26", "材料"),
    ("医药", "27", "医药"),
    ("塑业", "29", "塑业"),
    ("机械", "34", "机械"),
    ("智能装备", "35", "装备"),
    ("汽车零部件", "36", "汽配"),
    ("电气", "38", "电气"),
    ("电子", "39", "电子"),
    ("仪器仪表", "40", "仪器"),
    ("建设工程", "48", "建设"),
    ("贸易", "51", "贸易"),
    ("商贸", "52", "商贸"),
    ("物流", "58", "物流"),
    ("酒店管理", "61", "酒店"),
    ("餐饮管理", "62", "餐饮"),
    ("置业", "70", "置业"),
    ("供应链管理", "72", "供应链"),
    ("生物技术", "73", "生物"),
    ("检测技术", "74", "检测"),
    ("环保科技", "77", "环保"),
    ("教育科技", "83", "教育"),
    ("影视文化", "87", "影视"),
    ("体育发展", "89", "体育"),
)

# Common surnames with rough relative frequencies (per mille of the population).
SURNAMES = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("赵", 23),
    ("黄", 22), ("周", 21), ("吴", 20), ("徐", 17), ("孙", 15), ("胡", 13), ("朱", 13),
    ("高", 12), ("林", 12), ("何", 12), ("郭", 11), ("马", 11), ("罗", 9), ("梁", 8),
    ("宋", 7), ("郑", 7), ("谢", 6), ("韩", 6), ("唐", 6), ("冯", 6), ("于", 5), ("董", 5),
    ("萧", 5), ("程", 5), ("曹", 5), ("袁", 4), ("邓", 4), ("许", 4), ("傅", 4), ("沈", 4),
    ("曾", 4), ("彭", 4), ("吕", 4), ("苏", 3), ("卢", 3), ("蒋", 3), ("蔡", 3), ("贾", 3),
    ("丁", 3), ("魏", 3), ("薛", 3), ("叶", 3), ("余", 3), ("潘", 3), ("杜", 3), ("戴", 3),
    ("夏", 3), ("钟", 3), ("汪", 3), ("田", 3), ("任", 3), ("姜", 3), ("范", 3), ("方", 3),
    ("石", 2), ("姚", 2), ("谭", 2), ("廖", 2), ("邹", 2), ("熊", 2), ("金", 2), ("陆", 2),
    ("郝", 2), ("孔", 2), ("白", 2), ("崔", 2), ("康", 2), ("毛", 2), ("邱", 2), ("秦", 2),
    ("江", 2), ("史", 2), ("顾", 2), ("侯", 2), ("邵", 2), ("孟", 2), ("钱", 2), ("汤", 2),
    ("尹", 2), ("黎", 2), ("常", 2), ("武", 2), ("贺", 2), ("龚", 2), ("楼", 1), ("俞", 1),
)  # fmt: skip
SURNAME_CHARS = tuple(s for s, _ in SURNAMES)
_SURNAME_WEIGHTS = tuple(w for _, w in SURNAMES)

# Given-name characters, in two pools so that a name does not mix conventionally male and
# female characters; characters common to both (文, 明, 宇, ...) sit in both.
MALE_GIVEN_CHARS = (
    "伟刚勇毅俊峰强军平东文辉力明永健志兴良海山波宁福龙元国胜学祥才新利清飞彬顺杰涛昌成康"
    "星光天达安岩中茂进林坚博诚先振思群豪承乐松磊民友哲江超浩亮政谦奇翰朗宏鸣斌栋维启克翔"
    "旭鹏泽晨辰建家致树德泰盛雄钧冠腾楠航弘逸贤宇雨洋忠宗睿恒鸿彦子一"
)
FEMALE_GIVEN_CHARS = (
    "秀娟英华慧美娜静淑惠雅玉萍红玲芬芳燕春兰凤洁梅琳云雪荣爱霞香月媛艳瑞佳嘉琼珍莉桂璐琦"
    "晶妍茜秋珊锦青倩婷婉瑾颖露瑶怡蓓仪丹蓉君琴蕊薇菁梦岚馨韵艺聪澜悦昭冰茗羽希欣晓欢芸菲"
    "宜可舒曼紫晴萱文明宇雨思佳一子"
)

ROLES = (
    "platform_admin",
    "department_officer",
    "finance_officer",
    "supplier",
    "auditor",
    "enterprise",
    "public",
)

EMAIL_DOMAIN = "cityops.example"  # reserved top-level domain: demo mail never reaches anyone


@dataclass(frozen=True)
class DemoOrganisation:
    key: str  # stable ascii slug, e.g. "finance", "supplier-001"
    kind: str  # "department" | "supplier" | "enterprise"
    name: str
    short_name: str
    uscc: str
    region_code: str  # GB/T 2260 county-level code where it is registered
    industry_code: str | None = None  # GB/T 4754 division


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    org_key: str | None
    email: str


@dataclass(frozen=True)
class DemoCity:
    seed: int
    city_code: str
    city_name: str
    organisations: tuple[DemoOrganisation, ...]
    users: tuple[DemoUser, ...]

    def org(self, key: str) -> DemoOrganisation:
        for o in self.organisations:
            if o.key == key:
                return o
        raise KeyError(key)

    def user(self, username: str) -> DemoUser:
        for u in self.users:
            if u.username == username:
                return u
        raise KeyError(username)

    def orgs_of_kind(self, kind: str) -> tuple[DemoOrganisation, ...]:
        return tuple(o for o in self.organisations if o.kind == kind)

    @property
    def departments(self) -> tuple[DemoOrganisation, ...]:
        return self.orgs_of_kind("department")

    @property
    def suppliers(self) -> tuple[DemoOrganisation, ...]:
        return self.orgs_of_kind("supplier")

    @property
    def enterprises(self) -> tuple[DemoOrganisation, ...]:
        return self.orgs_of_kind("enterprise")


def rng_for(seed: int, name: str) -> random.Random:
    """An independent random stream per (seed, name), stable across runs and Python versions.

    Python's hash() of a str is salted per process, so derive the sub-seed with SHA-256.
    """
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _unique_uscc(rng: random.Random, used: set[str], authority: str, region: str) -> str:
    # Enterprises registered since 2015 mostly got organisation codes starting "MA".
    prefix = "MA" if authority == "9" and rng.random() < 0.6 else ""
    while True:  # a collision is astronomically rare, but duplicates must never reach the DB
        code = codes.uscc_generate(
            rng,
            registration_authority=authority,
            org_category="1",
            region_code=region,
            org_code_prefix=prefix,
        )
        if code not in used:
            used.add(code)
            return code


def _departments(rng: random.Random, used: set[str]) -> list[DemoOrganisation]:
    # Government organs: registration authority 1 (机构编制), category 1 (机关).
    return [
        DemoOrganisation(
            key=key,
            kind="department",
            name=name,
            short_name=short,
            uscc=_unique_uscc(rng, used, "1", CITY_CODE),
            region_code=CITY_CODE,
            industry_code="92",  # S 92 国家机构
        )
        for key, name, short, _ in DEPARTMENTS
    ]


def _suppliers(
    rng: random.Random, trade_names: list[str], used: set[str]
) -> list[DemoOrganisation]:
    # The first two are the demo logins' companies: keep them local (registered in Hangzhou).
    other = set(rng.sample(range(2, N_SUPPLIERS), N_OTHER_PROVINCE_SUPPLIERS))
    result = []
    for i, trade in enumerate(trade_names):
        word, division, short = rng.choice(SUPPLIER_INDUSTRIES)
        if i in other:
            region, city = rng.choice(OTHER_CITY_DISTRICTS)
            name = f"{city}{trade}{word}有限公司"
        else:
            region = rng.choice(HANGZHOU_DISTRICTS)
            style = rng.random()
            if style < 0.65:
                name = f"杭州{trade}{word}有限公司"
            elif style < 0.85:
                name = f"浙江{trade}{word}股份有限公司"
            else:  # a national firm's Hangzhou company
                name = f"{trade}{word}（杭州）有限公司"
        result.append(
            DemoOrganisation(
                key=f"supplier-{i + 1:03d}",
                kind="supplier",
                name=name,
                short_name=f"{trade}{short}",
                uscc=_unique_uscc(rng, used, "9", region),
                region_code=region,
                industry_code=division,
            )
        )
    return result


def _enterprises(
    rng: random.Random, trade_names: list[str], used: set[str]
) -> list[DemoOrganisation]:
    result = []
    for i, trade in enumerate(trade_names):
        word, division, short = rng.choice(ENTERPRISE_INDUSTRIES)
        region = rng.choice(HANGZHOU_DISTRICTS)
        if rng.random() < 0.8:
            name = f"杭州{trade}{word}有限公司"
        else:
            name = f"浙江{trade}{word}股份有限公司"
        result.append(
            DemoOrganisation(
                key=f"enterprise-{i + 1:03d}",
                kind="enterprise",
                name=name,
                short_name=f"{trade}{short}",
                uscc=_unique_uscc(rng, used, "9", region),
                region_code=region,
                industry_code=division,
            )
        )
    return result


def person_name(rng: random.Random) -> str:
    """A plausible Chinese personal name: weighted surname + 1 or 2 given-name characters."""
    surname = rng.choices(SURNAME_CHARS, weights=_SURNAME_WEIGHTS)[0]
    pool = MALE_GIVEN_CHARS if rng.random() < 0.5 else FEMALE_GIVEN_CHARS
    length = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(pool) for _ in range(length))


def _users(
    rng: random.Random,
    suppliers: list[DemoOrganisation],
    enterprises: list[DemoOrganisation],
) -> list[DemoUser]:
    names: set[str] = set()

    def make(username: str, role: str, org_key: str | None) -> DemoUser:
        full_name = person_name(rng)
        while full_name in names:  # namesakes exist, but they confuse a demo
            full_name = person_name(rng)
        names.add(full_name)
        return DemoUser(username, full_name, role, org_key, f"{username}@{EMAIL_DOMAIN}")

    # Fixed logins first, so that the demo can be explained with memorable names.
    users = [
        make("admin", "platform_admin", "data-bureau"),
        make("dept", "department_officer", "health"),
        make("dept2", "department_officer", "transport"),
        make("finance", "finance_officer", "finance"),
        make("supplier", "supplier", suppliers[0].key),
        make("supplier2", "supplier", suppliers[1].key),
        make("auditor", "auditor", "audit"),
        make("enterprise", "enterprise", enterprises[0].key),
        make("citizen", "public", None),
    ]
    # Staff of the finance and audit bureaus act in those roles; everyone else files needs.
    dept_role = {"finance": "finance_officer", "audit": "auditor"}
    for key, _, _, count in DEPARTMENTS:
        for n in range(1, count + 1):
            users.append(make(f"d-{key}-{n}", dept_role.get(key, "department_officer"), key))
    for i, org in enumerate(suppliers, start=1):
        users.append(make(f"s-{i:03d}", "supplier", org.key))
    for i, org in enumerate(enterprises, start=1):
        users.append(make(f"e-{i:03d}", "enterprise", org.key))
    for i in range(1, N_PUBLIC_USERS + 1):
        users.append(make(f"p-{i:03d}", "public", None))
    return users


def generate_city(seed: int = DEFAULT_SEED) -> DemoCity:
    """The demo city for ``seed``; pure and deterministic."""
    used: set[str] = set()
    departments = _departments(rng_for(seed, "departments"), used)
    trade_names = rng_for(seed, "trade-names").sample(TRADE_NAMES, N_SUPPLIERS + N_ENTERPRISES)
    suppliers = _suppliers(rng_for(seed, "suppliers"), trade_names[:N_SUPPLIERS], used)
    enterprises = _enterprises(rng_for(seed, "enterprises"), trade_names[N_SUPPLIERS:], used)
    users = _users(rng_for(seed, "users"), suppliers, enterprises)
    return DemoCity(
        seed=seed,
        city_code=CITY_CODE,
        city_name=CITY_NAME,
        organisations=tuple(departments + suppliers + enterprises),
        users=tuple(users),
    )
