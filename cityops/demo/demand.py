"""Demo demand list and capability map of the demo city (brief §2: Hangzhou's 137 needs and 87
technology companies), pure data: no Django.

- ``generate_capabilities(city)``: a ``SupplierCapability`` for each of the city's 87 suppliers:
  capability texts and tags drawn from the areas their industry (the word in their name) covers,
  qualifications (some expiring soon, a few expired), regions served, capacity and load.
- ``generate_needs(city)``: exactly 137 ``NeedText`` from the city's departments, filed
  2025-01 .. 2026-11, with the 12 quantified indicators. 19 of them (13.9%) are planted
  cross-department duplicates in 7 themes (cloud hosting, video networks, data exchange, 等保
  assessment, security monitoring, backup, hotline), among them the four Haidian cloud purchases
  of the reference cases (``haidian-gov-cloud-2020``), filed by the data bureau with their titles
  and amounts. ``planted_duplicates(city)`` lists the planted pairs.
- ``scaled_needs(n)`` / ``scaled_capabilities(n)``: the same catalogue scaled to any size with
  realistic vocabulary (filler words drawn from jieba's dictionary), for bench/demand.py.

Deterministic: the same city (seed) gives the same data. Streams: ``rng_for(seed, "demand")`` for
the capability map, ``rng_for(seed, "demand-needs")`` for the needs, so that changing one does
not change the other.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, replace
from decimal import Decimal

from cityops.core.regions import region_name
from cityops.demand.matching.data import NeedText, Qualification, SupplierCapability

from .generator import HANGZHOU_DISTRICTS, DemoCity, rng_for

N_NEEDS = 137
FIRST_DAY = dt.date(2025, 1, 1)
LAST_DAY = dt.date(2026, 11, 30)

# --- capability areas --------------------------------------------------------------------------
# key: (capability sentences (one is chosen), tags, reference contract titles)
AREAS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "cloud": (("政务云资源租用服务，提供云主机、块存储和对象存储，支持多租户隔离和弹性扩容，承接业务系统迁移上云。",
               "云计算平台建设运营，IaaS 和 PaaS 资源服务，信创云资源池，云上运维和 7×24 小时故障响应。"),
              ("政务云", "云计算", "云主机", "上云迁移"), ("政务云平台购买服务", "业务系统迁移上云服务")),
    "backup": (("备份云和异地容灾服务，应用级和数据级容灾，定期开展容灾切换演练。",
                "数据备份一体机、异地灾备中心托管，RPO/RTO 方案设计与实施。"),
               ("容灾", "数据备份", "灾备"), ("备份云服务", "核心数据异地灾备")),
    "video": (("公共安全视频监控联网（雪亮工程），GB/T 28181 国标接入，视频共享平台建设和摄像机运维。",
               "视频监控点位建设和联网整合，社会面视频资源接入，视频资源分级分权共享。"),
              ("视频监控", "雪亮工程", "视频联网"), ("视频监控联网共享平台", "社会面视频资源整合")),
    "video_ai": (("视频结构化和智能分析，人脸车辆识别，城市事件和交通违法 AI 识别，算法仓。",
                  "AI 视频分析算法服务，对接各类视频平台提供智能解析。"),
                 ("视频分析", "人工智能", "算法"), ("视频图像智能解析服务", "城市事件 AI 识别")),
    "network": (("电子政务外网和视频专网建设维护，数字电路专线租用，5G 和物联网专网。",
                 "通信网络链路扩容、专线接入和网络设备运维。"),
                ("通信网络", "电子政务外网", "专线"), ("电子政务外网运维", "视频专网链路租用")),
    "data_exchange": (("公共数据共享交换平台，数据目录编制、数据归集、库表交换和 API 接口共享。",
                       "跨部门数据共享接口建设，API 网关和接口调用监控，数据供需对接。"),
                      ("数据共享", "数据交换", "API"), ("数据共享交换平台", "跨部门数据共享接口")),
    "data_gov": (("数据治理服务：数据标准、元数据、主数据、数据质量检测和整改。",
                  "数据资源编目、数据清洗和数据仓库建设，数据资产盘点。"),
                 ("数据治理", "数据质量"), ("公共数据质量治理", "行业数据治理")),
    "bi": (("数据中台和 BI 分析，指标体系设计，领导驾驶舱和可视化大屏。",
            "数据分析建模、运行监测指标体系和专题分析报告。"),
           ("数据分析", "驾驶舱", "可视化"), ("运行监测驾驶舱", "专题数据分析平台")),
    "sec_assess": (("网络安全等级保护测评，二级和三级系统等保测评、差距分析和整改咨询。",
                    "等保测评、风险评估、渗透测试和源代码安全审计。"),
                   ("等保测评", "等级保护", "安全测评"), ("信息系统等级保护测评", "安全风险评估")),
    "sec_ops": (("网络安全运营中心（SOC），7×24 小时安全监测、态势感知、漏洞和网页篡改监测、应急响应。",
                 "安全托管运营服务，安全监测预警、威胁情报和重大活动安全保障。"),
                ("安全监测", "态势感知", "安全运营"), ("网络安全监测服务", "安全运营托管")),
    "data_sec": (("数据安全治理：分类分级、敏感数据识别和脱敏、数据库审计、个人信息保护合规。",),
                 ("数据安全", "分类分级", "脱敏"), ("公共数据分类分级", "数据脱敏平台")),
    "app": (("移动应用开发运营：APP、微信小程序、H5，浙里办和浙政钉应用接入，适老化改造。",
             "移动端产品设计开发和用户运营，拍照定位上报、消息推送。"),
            ("移动应用", "APP", "小程序"), ("城市服务 APP", "政务服务小程序")),
    "egov": (("政务服务平台，一网通办、网上办事大厅、一件事集成办理、电子证照和审批系统。",
              "审批业务系统开发，统一受理和好差评，电子证照调用。"),
             ("一网通办", "政务服务", "电子证照"), ("一件事集成办理", "网上办事大厅改造")),
    "hotline": (("呼叫中心和热线话务外包，坐席系统、IVR 语音导航、录音质检、热线归并整合。",
                 "政务热线运营，话务员驻场、排班和质检，12345 热线平台扩容。"),
                ("呼叫中心", "热线", "坐席"), ("12345 热线话务外包", "热线坐席扩容")),
    "ai_qa": (("智能客服和政务大模型，知识库智能问答、工单智能分派、公文辅助写作。",),
              ("智能客服", "大模型", "知识库"), ("热线知识库智能问答", "政务大模型应用")),
    "iot": (("物联网感知平台，多厂商设备统一接入、NB-IoT 和 LoRa 网关、设备管理和告警。",
             "城市部件物联感知：井盖、路灯、消防栓、水位等传感器部署和运维。"),
            ("物联网", "设备接入", "感知"), ("城市物联感知平台", "感知设备运维")),
    "gis": (("地理信息服务：时空大数据平台、三维实景建模、CIM 基础平台、规划一张图。",),
            ("地理信息", "CIM", "三维实景"), ("时空大数据平台", "三维实景建模")),
    "ops": (("IT 运维外包：驻场运维、机房和网络设备维护、服务器巡检、桌面运维，ITSS 服务台。",
             "信息系统日常运行维护和 7×24 小时故障响应，驻场工程师服务。"),
            ("运维", "驻场运维", "机房"), ("信息系统驻场运维", "机房运维服务")),
    "website": (("政府网站集约化，网站群平台、门户网站改版和内容运维、信息公开和无障碍改造。",),
                ("门户网站", "网站群"), ("门户网站内容运维", "网站集约化平台")),
    "oa": (("协同办公 OA、公文流转和电子签章、督办管理，移动办公和浙政钉集成。",),
           ("协同办公", "OA", "公文"), ("协同办公平台", "公文系统升级")),
    "xinchuang": (("信创适配迁移：国产操作系统和数据库迁移改造、中间件替换、信创终端部署。",),
                  ("信创", "国产化", "适配迁移"), ("业务系统信创改造", "信创终端替换")),
    "health": (("医疗卫生信息化：互联网医院、全民健康信息平台、电子健康卡、医共体和院前急救系统。",),
               ("智慧医疗", "卫生健康"), ("互联网医院平台", "全民健康信息平台")),
    "education": (("智慧教育：教育资源平台、智慧校园、招生入学和学籍系统、课后服务和体质健康监测。",),
                  ("智慧教育", "智慧校园"), ("招生入学报名系统", "智慧校园建设")),
    "transport": (("智能交通：信号配时优化、网约车和出租车监管、公交客流分析、治超和综合执法系统。",),
                  ("智能交通", "交通运输"), ("信号配时优化", "网约车监管平台")),
    "urban": (("城市管理：数字城管、网格化事件处置、智慧停车、垃圾分类监管和户外招牌监测。",),
              ("数字城管", "城市管理"), ("数字城管平台升级", "智慧停车平台")),
    "emergency": (("应急管理：应急指挥调度、融合通信和视频会商、危化品和森林火灾监测预警、应急物资管理。",),
                  ("应急指挥", "安全生产"), ("应急指挥平台", "危化品监测预警")),
    "market": (("市场监管和信用：执法办案、信用风险分类、特种设备和食品安全追溯监管、投诉举报处置。",),
               ("市场监管", "信用"), ("执法办案系统", "信用风险分类监管")),
    "ecology": (("生态环境监测：水质和空气自动站运维、污染源在线监控、机动车尾气遥感和碳排放监测。",),
                ("环境监测", "污染源"), ("水质自动站运维", "污染源在线监控")),
    "water": (("水利信息化：山洪灾害预警、水位雨量监测、河湖长制、水资源监控和数字孪生流域。",),
              ("水利", "山洪预警"), ("山洪灾害预警", "河湖长制系统")),
    "housing": (("住建信息化：智慧工地、房屋安全监测、物业管理、住房保障和建筑市场监管。",),
                ("智慧工地", "住建"), ("智慧工地监管", "房屋安全监测")),
    "hr": (("人社信息化：就业服务、社保经办、人事考试报名、劳动保障监察和培训补贴管理。",),
           ("人社", "社保", "就业"), ("就业服务平台", "社保经办系统运维")),
    "civil": (("民政信息化：居家养老一键呼叫、社会救助核对、婚姻登记档案、殡葬管理和社区治理。",),
              ("民政", "智慧养老"), ("居家养老服务平台", "社会救助核对系统")),
    "culture": (("智慧文旅：景区分时预约、游客服务 APP、数字博物馆、文化馆数字化和旅游市场监管。",),
                ("智慧文旅", "景区"), ("景区分时预约", "数字博物馆")),
    "agriculture": (("数字乡村和智慧农业：农产品追溯、农田物联网、动物防疫和农机作业监管。",),
                    ("智慧农业", "数字乡村"), ("农产品质量追溯", "数字乡村平台")),
    "finance": (("财政信息化：预算管理一体化、财政电子票据、政府采购电子卖场、国有资产管理。",),
                ("财政", "预算一体化"), ("预算管理一体化系统运维", "财政电子票据平台")),
    "audit": (("审计信息化：大数据审计分析、审计作业管理、联网审计数据采集和审计整改跟踪。",),
              ("审计", "大数据审计"), ("大数据审计平台", "审计作业系统")),
    "police": (("警务信息化：移动警务、警情分析研判、人口管理系统运维和警用无人机巡查。",),
               ("智慧警务", "公共安全"), ("移动警务应用", "警情分析研判")),
    "medicare": (("医保信息化：基金智能监管、医保电子凭证、结算系统运维、长期护理保险和集采监测。",),
                 ("医保", "智能监管"), ("医保基金智能监管", "医保结算系统运维")),
    "enterprise": (("经济和企业服务：经济运行监测、企业服务平台、科技项目和成果转化、重大项目管理。",),
                   ("企业服务", "经济运行"), ("企业服务平台", "科技项目管理系统")),
    "planning": (("自然资源信息化：国土空间规划一张图、不动产登记、耕地保护和地质灾害监测。",),
                 ("自然资源", "不动产"), ("不动产登记系统", "耕地保护监测")),
}  # fmt: skip

DOMAIN_AREAS = ("health", "education", "transport", "urban", "emergency", "market", "ecology",
                "water", "housing", "hr", "civil", "culture", "agriculture", "finance", "audit",
                "police", "medicare", "enterprise", "planning")  # fmt: skip

# The areas each supplier industry (the word in its name, generator.SUPPLIER_INDUSTRIES) covers.
INDUSTRY_AREAS = {
    "信息技术": ("egov", "ops", "oa", "data_gov", "website", *DOMAIN_AREAS),
    "网络科技": ("network", "sec_ops", "website", "ops"),
    "数据科技": ("data_exchange", "data_gov", "bi", "data_sec"),
    "智能科技": ("video_ai", "ai_qa", "iot", "transport", "urban", "police"),
    "软件": ("egov", "oa", "app", "xinchuang", *DOMAIN_AREAS),
    "云计算": ("cloud", "backup", "xinchuang"),
    "安全技术": ("sec_assess", "sec_ops", "data_sec"),
    "物联网科技": ("iot", "ecology", "water", "agriculture", "housing", "emergency"),
    "数字科技": ("bi", "gis", "app", "planning", "enterprise", "culture"),
    "通信技术": ("network", "video", "hotline"),
    "互联网科技": ("app", "website", "hotline", "ai_qa", "egov"),
}

_GENERIC_LINES = (
    "在杭州设有本地化服务团队，提供 7×24 小时响应。",
    "拥有多个地市政府项目交付经验。",
    "具备项目驻场和远程运维支持能力。",
    "服务团队超过 100 人，其中高级工程师 30 余人。",
    "",
)


def _industry_word(name: str) -> str:
    for word in sorted(INDUSTRY_AREAS, key=len, reverse=True):
        if word in name:
            return word
    return "信息技术"


def _qualifications(rng: random.Random, areas: list[str]) -> tuple[Qualification, ...]:
    def expiry() -> dt.date:
        # mostly valid through the demo window; some expiring soon after it, a few expired in it
        roll = rng.random()
        if roll < 0.08:
            return dt.date(2025, 3, 1) + dt.timedelta(days=rng.randrange(0, 540))  # expired
        if roll < 0.2:
            return dt.date(2026, 10, 1) + dt.timedelta(days=rng.randrange(0, 150))  # soon
        return dt.date(2027, 3, 1) + dt.timedelta(days=rng.randrange(0, 1000))

    quals = []
    if rng.random() < 0.85:
        quals.append(Qualification("iso27001", None, expiry()))
    if set(areas) & {"sec_assess", "sec_ops", "data_sec"} and rng.random() < 0.9:
        quals.append(Qualification("djcp_service", None, expiry()))
    if set(areas) & {"cloud", "backup", "ops", "hotline", "network", "website", "sec_ops"}:
        quals.append(Qualification("its", rng.choice((1, 2, 2, 3, 3, 4)), expiry()))
        if rng.random() < 0.6:
            quals.append(Qualification("iso20000", None, expiry()))
    if set(areas) - {"cloud", "backup", "ops", "hotline", "network", "website", "sec_ops",
                     "sec_assess"} and rng.random() < 0.65:  # fmt: skip
        quals.append(Qualification("cmmi", 5 if rng.random() < 0.15 else 3, expiry()))
    if set(areas) & {"cloud", "oa", "xinchuang", "egov", "data_exchange"} and rng.random() < 0.55:
        quals.append(Qualification("xinchuang", None, expiry()))
    return tuple(quals)


def _regions(rng: random.Random, region_code: str) -> tuple[str, ...]:
    if region_code.startswith("33"):
        roll = rng.random()
        return ("3301",) if roll < 0.4 else ("33",) if roll < 0.85 else ("",)
    return ("",) if rng.random() < 0.7 else (region_code[:2], "33")


def _capability(rng, key: str, name: str, region_code: str, areas: list[str]):
    sentences = [rng.choice(AREAS[a][0]) for a in areas]
    generic = rng.choice(_GENERIC_LINES)
    tags: list[str] = []
    for a in areas:
        for t in AREAS[a][1]:
            if t not in tags and rng.random() < 0.8:
                tags.append(t)
    districts = [rng.choice(HANGZHOU_DISTRICTS) for _ in areas]
    references = tuple(
        f"{region_name(d)}{rng.choice(AREAS[a][2])}" for a, d in zip(areas, districts, strict=True)
    )
    capacity = Decimal(rng.choice((800, 1500, 2500, 4000, 6000, 9000, 15000, 30000)))
    load = (capacity * Decimal(rng.randint(20, 95)) / 100).quantize(Decimal(1))
    return SupplierCapability(
        id=key,
        name=name,
        capabilities="".join(sentences) + generic,
        tags=tuple(tags) or AREAS[areas[0]][1][:1],
        qualifications=_qualifications(rng, areas),
        regions_served=_regions(rng, region_code),
        capacity_wan=capacity,
        load_wan=load,
        references=references,
    )


def _supplier_areas(rng: random.Random, city: DemoCity) -> dict[str, tuple[str, ...]]:
    suppliers = city.suppliers
    names = {s.key: s.name for s in suppliers}
    chosen: dict[str, list[str]] = {}
    for s in suppliers:
        pool = INDUSTRY_AREAS[_industry_word(s.name)]
        chosen[s.key] = [rng.choice(pool)]
    # cover every area twice, preferring suppliers whose industry covers it
    for area in AREAS:
        have = [k for k, a in chosen.items() if area in a]
        free = [s.key for s in suppliers if s.key not in have and len(chosen[s.key]) < 3]
        fits = [k for k in free if area in INDUSTRY_AREAS[_industry_word(names[k])]]
        picks = rng.sample(fits, min(max(0, 2 - len(have)), len(fits)))
        others = [k for k in free if k not in picks]
        picks += rng.sample(others, min(max(0, 2 - len(have) - len(picks)), len(others)))
        for key in picks:
            chosen[key].append(area)
    for s in suppliers:
        pool = [a for a in INDUSTRY_AREAS[_industry_word(s.name)] if a not in chosen[s.key]]
        if len(chosen[s.key]) < 2 and pool:
            chosen[s.key].append(rng.choice(pool))
    return {k: tuple(v) for k, v in chosen.items()}


def _capability_map(city: DemoCity):
    rng = rng_for(city.seed, "demand")
    areas = _supplier_areas(rng, city)
    profiles = tuple(
        _capability(rng, s.key, s.name, s.region_code, list(areas[s.key])) for s in city.suppliers
    )
    return areas, profiles


def supplier_areas(city: DemoCity) -> dict[str, tuple[str, ...]]:
    """The capability areas of each supplier (by key): 1–3 from its industry's list, every area
    covered by at least two suppliers."""
    return _capability_map(city)[0]


def generate_capabilities(city: DemoCity) -> tuple[SupplierCapability, ...]:
    """A capability profile for each of the city's 87 suppliers, in the city's order."""
    return _capability_map(city)[1]


# --- needs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Theme:
    title: str
    core: str
    tags: tuple[str, ...]
    category: str
    area: str
    budget: tuple[int, int]  # 万元 range


def _t(title, core, tags, category, area, budget=(30, 400)) -> _Theme:
    return _Theme(title, core, tuple(tags.split()), category, area, budget)


# Each department's own needs (no two departments ask for the same thing here).
DEPARTMENT_THEMES: dict[str, tuple[_Theme, ...]] = {
    "data-bureau": (
        _t("公共数据质量治理服务", "对归集的公共数据开展质量检测、问题数据整改和数据标准管理", "数据治理 数据质量", "data", "data_gov", (200, 700)),
        _t("一网通办一件事集成改造", "推进出生、退休、企业开办等一件事集成办理，改造网上办事大厅统一受理", "一网通办 一件事", "portal", "egov", (300, 900)),
        _t("城市大脑运行指标驾驶舱", "整合城市运行核心指标，建设领导驾驶舱和可视化大屏", "驾驶舱 城市大脑", "portal", "bi"),
        _t("公共数据授权运营平台", "建设公共数据授权运营平台，提供数据产品开发环境和运营管理", "数据运营 授权运营", "data", "data_gov", (300, 800)),
        _t("电子证照库扩容", "电子证照库新增证照类型，提升证照共享调用和亮证服务能力", "电子证照", "data", "egov"),
    ),
    "finance": (
        _t("预算管理一体化系统运维", "预算编制、指标管理和国库支付模块的运行保障和功能优化", "预算一体化 运维", "system", "finance"),
        _t("财政电子票据平台升级", "升级财政电子票据平台，扩大电子票据开具和入账报销覆盖面", "电子票据", "system", "finance"),
        _t("政府采购电子卖场运营", "政府采购电子卖场的商品管理、供应商入驻审核和交易监管", "政府采购 电子卖场", "portal", "finance"),
        _t("行政事业单位国有资产管理系统", "资产配置、使用、处置全生命周期管理和资产报表", "资产管理", "system", "finance"),
        _t("财政资金运行监测分析", "对财政资金拨付和使用进行监测预警和专题分析", "资金监测 数据分析", "data", "bi"),
    ),
    "audit": (
        _t("大数据审计分析平台", "汇聚财政、社保、公积金等数据，建设审计分析模型和疑点核查", "大数据审计", "data", "audit"),
        _t("审计作业管理系统升级", "审计计划、现场作业、底稿和报告全流程电子化", "审计作业", "system", "audit"),
        _t("联网审计数据采集", "与被审计单位财务和业务系统联网，定期采集审计数据", "联网审计 数据采集", "data", "audit"),
        _t("审计整改跟踪系统", "审计发现问题整改情况的跟踪督办和销号管理", "审计整改 督办", "system", "audit"),
        _t("审计法规知识库智能检索", "审计法规和案例知识库，提供智能问答和检索", "知识库 智能问答", "system", "ai_qa"),
    ),
    "public-security": (
        _t("视频图像结构化解析", "对接视频平台，对人员、机动车和非机动车特征进行结构化解析，支持以图搜图", "视频结构化 人工智能", "system", "video_ai", (300, 900)),
        _t("移动警务终端应用", "民警手机端应用，支持现场核查、警情接收和拍照取证", "移动警务", "portal", "police"),
        _t("警情大数据分析研判", "对历史警情进行时空分析，识别高发区域和时段，辅助巡防部署", "警情分析", "data", "police"),
        _t("人口管理信息系统运维", "实有人口管理系统运行保障和人口数据质量核查", "人口管理 运维", "system", "police"),
        _t("警用无人机巡查平台", "无人机巡查任务调度、视频回传和巡查记录管理", "无人机 巡查", "system", "police"),
    ),
    "health": (
        _t("互联网医院平台运维", "在线复诊、处方流转和药品配送平台的运维和功能迭代", "互联网医院", "system", "health"),
        _t("全民健康信息平台升级", "升级全民健康信息平台，完善居民健康档案调阅和检查检验互认", "全民健康信息平台 健康档案", "data", "health", (200, 700)),
        _t("电子健康卡应用推广", "电子健康卡在各级医疗机构的受理环境改造和应用推广", "电子健康卡", "portal", "health"),
        _t("县域医共体信息平台", "医共体内双向转诊、检查检验结果互认和电子病历共享", "医共体 电子病历", "system", "health"),
        _t("院前急救调度系统", "120 急救呼救受理、车辆调度和院前院内信息衔接", "院前急救 调度", "system", "health"),
        _t("卫生监督执法系统", "卫生监督检查、行政处罚和在线监测执法全流程", "卫生监督 执法", "system", "health"),
    ),
    "education": (
        _t("义务教育招生入学报名系统", "网上报名并自动核验户籍、房产和社保入学资格", "招生入学 网上报名", "system", "education"),
        _t("智慧校园安全管理", "校园门禁、访客登记和学生安全预警", "智慧校园 校园安全", "system", "education"),
        _t("教育资源公共服务平台", "汇聚优质课程资源，提供在线学习和教研服务", "教育资源 在线学习", "portal", "education"),
        _t("学生体质健康监测", "学生体测数据采集、分析和体质健康报告", "体质健康", "data", "education"),
        _t("课后服务管理平台", "课后服务课程选课、考勤和经费管理", "课后服务", "system", "education"),
        _t("教育城域网运维", "教育城域网骨干和学校接入网络的运行维护", "城域网 运维", "infrastructure", "ops"),
    ),
    "transport": (
        _t("主城区信号灯配时优化", "对主城区信号灯路口进行配时优化和绿波协调控制", "信号配时 拥堵治理", "system", "transport"),
        _t("网约车监管平台", "接入网约车平台订单和车辆定位数据，识别非法营运", "网约车 监管", "system", "transport"),
        _t("公交客流分析和线网优化", "基于公交刷卡和定位数据进行客流分析和线网优化", "公交 客流分析", "data", "transport"),
        _t("治超非现场执法", "在国省道布设称重检测点，超限车辆自动识别和执法", "治超 非现场执法", "infrastructure", "transport"),
        _t("交通运输综合执法系统", "交通运输执法案件办理和执法记录管理", "综合执法", "system", "transport"),
        _t("智慧公路养护管理", "公路病害巡查、养护计划和养护作业管理", "公路养护", "system", "transport"),
    ),
    "urban-management": (
        _t("数字城管平台升级", "完善网格化事件采集、派遣、处置和核查闭环，接入一网统管", "数字城管 网格化", "system", "urban", (200, 700)),
        _t("智慧停车平台", "整合公共停车场和路内泊位，提供停车诱导和无感支付", "智慧停车 泊位", "system", "urban"),
        _t("城市部件物联感知", "井盖、路灯、消防栓等城市部件安装传感器，实时监测告警", "物联网 城市部件", "infrastructure", "iot"),
        _t("垃圾分类智能监管", "垃圾投放点智能监管和清运车辆轨迹管理", "垃圾分类", "system", "urban"),
        _t("户外广告招牌安全监测", "对大型户外广告招牌进行倾斜和松动监测", "户外招牌 安全监测", "infrastructure", "urban"),
    ),
    "ecology-environment": (
        _t("水质自动监测站运维", "地表水水质自动监测站日常运维、比对校准和数据质控", "水质 自动站", "infrastructure", "ecology"),
        _t("污染源在线监控平台升级", "重点排污单位废水废气排放在线监控和超标预警", "污染源 在线监控", "system", "ecology"),
        _t("生态环境执法移动端", "执法人员现场检查、取证和文书制作的移动端应用", "移动执法", "portal", "ecology"),
        _t("机动车尾气遥感监测", "在主要道路布设尾气遥感监测设备，识别超标排放车辆", "尾气 遥感监测", "infrastructure", "ecology"),
        _t("碳排放监测分析平台", "重点行业碳排放数据采集、核算和分析", "碳排放", "data", "ecology"),
    ),
    "market-regulation": (
        _t("市场监管执法办案系统", "立案、调查、处罚和结案全流程，对接双随机一公开", "执法办案 双随机", "system", "market"),
        _t("企业信用风险分类监管", "构建企业信用画像，实施信用风险分类监管", "信用 风险分类", "data", "market"),
        _t("特种设备安全监管平台", "电梯、锅炉等特种设备登记、检验和维保监管", "特种设备", "system", "market"),
        _t("食品安全追溯监管", "食品生产经营企业进货查验和销售记录电子化追溯", "食品安全 追溯", "system", "market"),
        _t("投诉举报处置系统", "消费者投诉举报受理、分派、处置和反馈", "投诉举报", "system", "market"),
    ),
    "human-resources": (
        _t("就业创业服务平台", "岗位发布、求职匹配、创业补贴申领和就业失业登记", "就业 创业补贴", "system", "hr"),
        _t("社保经办系统运维", "社保经办系统随待遇政策调整的功能改造和运行保障", "社保 运维", "system", "hr"),
        _t("人事考试网上报名系统", "事业单位招聘和职业资格考试报名、审核、缴费", "人事考试 网上报名", "system", "hr"),
        _t("劳动保障监察系统", "欠薪投诉处理、用工监测预警和监察执法", "劳动监察 欠薪", "system", "hr"),
        _t("职业技能培训补贴管理", "培训机构管理、培训过程监管和补贴发放", "技能培训 补贴", "system", "hr"),
    ),
    "civil-affairs": (
        _t("居家养老一键呼叫服务平台", "为独居高龄老人配备一键呼叫终端，派单上门服务", "智慧养老 一键呼叫", "portal", "civil"),
        _t("社会救助家庭经济状况核对", "对低保特困申请家庭的收入和财产跨部门核对", "社会救助 核对", "system", "civil"),
        _t("婚姻登记档案数字化", "历史婚姻登记档案扫描、著录和数字化加工", "档案数字化", "data", "civil"),
        _t("殡葬管理服务系统", "殡葬服务预约、火化信息管理和惠民补贴", "殡葬", "system", "civil"),
        _t("社区治理服务平台", "社区事务办理、居民议事和社区工作者管理", "社区治理", "portal", "civil"),
    ),
    "housing-construction": (
        _t("智慧工地监管平台", "在建工地扬尘、塔吊、升降机和实名制在线监管", "智慧工地 扬尘", "system", "housing"),
        _t("既有房屋安全监测", "老旧房屋安装倾斜、裂缝传感器，异常自动告警", "房屋安全 监测", "infrastructure", "housing"),
        _t("物业管理服务平台", "物业企业信用管理、业主投票和维修资金使用", "物业管理", "portal", "housing"),
        _t("住房保障管理系统", "公租房申请、配租和租金管理", "住房保障 公租房", "system", "housing"),
        _t("建筑市场监管系统", "建筑企业资质、人员和招投标行为监管", "建筑市场", "system", "housing"),
    ),
    "planning-resources": (
        _t("国土空间规划一张图", "汇聚规划成果和现状数据，实现规划实施监测评估预警", "国土空间规划 一张图", "system", "planning"),
        _t("全域三维实景建模", "倾斜摄影三维实景建模，形成实景三维底图", "三维实景 倾斜摄影", "data", "gis", (200, 480)),
        _t("不动产登记系统升级", "不动产登记一网通办和登记簿电子化", "不动产登记", "system", "planning"),
        _t("耕地保护动态监测", "利用卫星遥感监测耕地变化，发现违法占用", "耕地保护 遥感", "data", "planning"),
        _t("地质灾害监测预警", "在地质灾害隐患点布设位移和雨量监测设备", "地质灾害", "infrastructure", "planning"),
    ),
    "emergency": (
        _t("应急指挥调度平台", "预案管理、资源调度、融合通信和事件全流程管理", "应急指挥 融合通信", "system", "emergency", (300, 900)),
        _t("危化品企业安全风险监测", "重大危险源储罐液位、温度、压力和可燃气体监测预警", "危化品 监测预警", "system", "emergency"),
        _t("应急物资储备管理", "应急物资库存、调拨和轮换管理", "应急物资", "system", "emergency"),
        _t("森林火灾监测预警", "林区高点视频和红外监测，火点自动识别告警", "森林火灾", "infrastructure", "emergency"),
        _t("应急视频会商系统升级", "市、区县、乡镇三级视频会商，支持手机和无人机画面入会", "视频会商", "system", "emergency"),
    ),
    "culture-tourism": (
        _t("景区分时预约和客流监测", "景区分时段预约入园，客流实时监测和超载预警", "分时预约 客流监测", "system", "culture"),
        _t("游客服务 APP 改版", "行程规划、景点讲解、酒店和门票预订功能改版", "游客服务", "portal", "culture"),
        _t("数字博物馆", "馆藏文物三维数字化采集和线上展厅", "数字博物馆", "portal", "culture"),
        _t("文化馆数字化服务", "公共文化活动预约、线上培训和场馆管理", "公共文化", "portal", "culture"),
        _t("旅游市场监管系统", "旅行社和导游监管、投诉处理和诚信评价", "旅游监管", "system", "culture"),
    ),
    "commerce": (
        _t("消费市场运行监测", "汇聚重点商贸企业销售数据，建设消费监测指标体系", "消费监测", "data", "enterprise"),
        _t("外贸企业服务平台", "外贸政策推送、订单对接和出口信用保险服务", "外贸 企业服务", "portal", "enterprise"),
        _t("商务局门户网站内容运维", "门户网站日常内容更新、栏目维护和无障碍改造", "门户网站 内容运维", "portal", "website", (20, 60)),
        _t("跨境电商统计监测", "跨境电商进出口数据统计和主体监测", "跨境电商", "data", "enterprise"),
        _t("会展服务管理平台", "展会备案、场馆预订和参展企业服务", "会展", "portal", "enterprise"),
    ),
    "economy-it": (
        _t("工业经济运行监测", "规上工业企业用电、产值和税收指标监测分析", "经济运行 工业", "data", "enterprise"),
        _t("中小企业数字化转型诊断服务", "为中小企业提供数字化诊断和改造方案咨询", "数字化转型 企业服务", "system", "enterprise"),
        _t("5G 基站建设协调平台", "5G 基站选址、审批和建设进度协调管理", "5G 基站", "infrastructure", "network"),
        _t("经信局信息系统驻场运维", "机房、网络设备、服务器和业务系统的驻场运维", "驻场运维 机房", "infrastructure", "ops", (40, 120)),
        _t("智能算力租用服务", "为人工智能应用提供 GPU 训练和推理算力", "算力 GPU", "infrastructure", "cloud", (200, 480)),
    ),
    "development-reform": (
        _t("重大项目管理平台", "重大项目储备、审批和建设进度全过程管理", "重大项目", "system", "enterprise"),
        _t("公共信用信息平台升级", "信用信息归集、信用修复和联合奖惩", "公共信用", "data", "market"),
        _t("重要商品价格监测", "粮油、猪肉等重要民生商品价格采集和监测预警", "价格监测", "data", "bi"),
        _t("投资项目在线审批监管", "投资项目审批事项在线办理和全流程监管", "投资审批", "system", "egov"),
        _t("能耗双控监测平台", "重点用能单位能耗在线监测和预警", "能耗 监测", "data", "bi"),
    ),
    "agriculture": (
        _t("农产品质量安全追溯", "生产主体数字档案和上市农产品赋码追溯", "农产品追溯", "system", "agriculture"),
        _t("农田物联网监测", "墒情、虫情和小气候监测设备部署，指导精准施肥", "智慧农业 墒情", "infrastructure", "agriculture"),
        _t("数字乡村服务平台", "乡村治理、村务公开和农村电商服务", "数字乡村", "portal", "agriculture"),
        _t("动物防疫管理系统", "动物免疫、检疫和疫情报告管理", "动物防疫", "system", "agriculture"),
        _t("农机作业监管", "农机作业面积和质量的北斗定位监测", "农机 北斗", "system", "agriculture"),
    ),
    "forestry-water": (
        _t("山洪灾害监测预警系统", "山区小流域雨量水位监测站建设和预警发布", "山洪预警 雨量", "system", "water"),
        _t("数字孪生流域建设", "重点流域水文水动力模型，洪水预报、预警、预演、预案", "数字孪生流域", "data", "water", (200, 480)),
        _t("河湖长制信息系统", "河湖巡查、问题处置和河长履职管理", "河湖长制", "system", "water"),
        _t("森林资源监测", "森林资源年度监测和林地变化遥感判读", "森林资源", "data", "water"),
        _t("水资源监控能力建设", "取水户在线计量和水资源监控平台", "水资源 计量", "system", "water"),
    ),
    "healthcare-security": (
        _t("医保基金智能监管", "医保基金使用事前提醒、事中审核和事后稽核", "医保 智能监管", "system", "medicare"),
        _t("医保电子凭证应用", "医保电子凭证扫码就医购药和参保查询", "医保电子凭证", "portal", "medicare"),
        _t("医保结算系统运维", "医保结算系统和定点医药机构结算接口的运行维护", "医保结算 运维", "system", "medicare"),
        _t("长期护理保险信息系统", "失能评估、护理服务和待遇结算管理", "长护险", "system", "medicare"),
        _t("药品集采执行监测", "集采药品采购量和回款情况监测", "集采 药品", "data", "medicare"),
    ),
    "science-technology": (
        _t("科技项目管理系统", "科技计划项目申报、评审、立项和验收全流程", "科技项目", "system", "enterprise"),
        _t("科技成果转化服务平台", "科技成果发布、技术需求对接和交易服务", "成果转化", "portal", "enterprise"),
        _t("高新技术企业认定系统", "高企申报、评审和培育库管理", "高新技术企业", "system", "enterprise"),
        _t("科技创新券平台", "创新券申领、兑付和服务机构管理", "创新券", "portal", "enterprise"),
        _t("大型科学仪器共享平台", "大型科学仪器开放共享预约和补贴", "仪器共享", "portal", "enterprise"),
    ),
}  # fmt: skip

# Planted duplicates: (theme, category, area, [(department, title, description, tags, budget,
# indicator overrides)]). The Haidian cloud purchases (cases.yaml, haidian-gov-cloud-2020) keep
# their titles and amounts.
PLANTED = (
    ("cloud", "infrastructure", "cloud", (
        ("data-bureau", "政务云平台购买服务",
         "向专业云服务商购买政务云平台服务，提供云主机、云存储、网络和云安全资源，承载各部门"
         "业务系统上云，信创云资源池占比不低于 30%。", ("政务云", "云资源"), 785,
         {"security_level": 3, "xinchuang_required": True, "availability_pct": Decimal("99.95")}),
        ("health", "卫健委业务系统迁移上政务云",
         "卫生健康业务系统部署在自建机房，设备老化，拟租用政务云资源整体迁移上云，需要云主机约 "
         "120 台和云存储 200TB，含迁移实施和云上运维。", ("政务云", "上云迁移"), 420,
         {"security_level": 3, "availability_pct": Decimal("99.9")}),
        ("education", "教育业务系统政务云资源租用",
         "学籍、招生报名等业务系统需要租用政务云的云主机和云存储资源，招生季并发高，要求资源"
         "弹性扩容，租用期一年。", ("政务云", "云主机"), 210,
         {"availability_pct": Decimal("99.9")}),
        ("market-regulation", "市场监管业务系统上政务云",
         "登记注册、执法办案和信用监管业务系统迁移上政务云，租用云主机、云存储和云数据库资源，"
         "需信创资源池。", ("政务云", "上云迁移"), 360,
         {"security_level": 3, "xinchuang_required": True}),
    )),
    ("video", "infrastructure", "video", (
        ("public-security", "雪亮工程视频监控联网共享平台扩容",
         "公共安全视频监控联网共享平台扩容，按 GB/T 28181 国标接入各区县和社会面监控，"
         "视频资源分级分权共享，含摄像机运维。", ("雪亮工程", "视频监控"), 880,
         {"security_level": 3, "response_minutes": 15}),
        ("urban-management", "城管视频监控资源整合接入",
         "城管自建监控与公安、交通视频各自独立，拟建设视频共享接入平台，统一接入社会面"
         "监控视频供指挥中心调阅。", ("视频监控", "视频共享"), 300, {"response_minutes": 30}),
        ("transport", "交通视频监控联网共享",
         "对高速出入口、客运站和公交场站监控进行国标接入联网，建设交通视频监控共享平台，"
         "与公安视频专网打通。", ("视频监控", "国标接入"), 460, {"security_level": 3}),
    )),
    ("exchange", "data", "data_exchange", (
        ("civil-affairs", "民政数据共享交换接口",
         "社会救助和养老服务需要人社、不动产、公积金等部门数据，建设数据共享交换通道，"
         "提供标准 API 接口。", ("数据共享", "数据交换"), 150, {"data_interfaces": 18}),
        ("human-resources", "人社跨部门数据共享交换",
         "社保待遇认证和就业补贴审核需要民政、卫健、公安数据，建设跨部门数据交换和共享接口，"
         "实现数据实时比对。", ("数据交换", "共享接口"), 180,
         {"data_interfaces": 25, "security_level": 3}),
        ("development-reform", "发改数据共享交换通道",
         "投资项目和信用监管需要市场监管、自然资源、住建等部门数据，建设数据共享交换通道和"
         "接口，替代人工报送。", ("数据共享", "接口"), 120, {"data_interfaces": 12}),
    )),
    ("mlps", "security", "sec_assess", (
        ("data-bureau", "等级保护测评（10个二级系统）",
         "对政务云上 10 个二级信息系统开展网络安全等级保护测评，出具等级测评报告和整改建议。",
         ("等保测评", "等级保护"), 92, {"security_level": 2}),
        ("health", "卫生健康信息系统等保测评",
         "对全民健康信息平台、预约挂号等信息系统开展等级保护测评，含差距分析和复测。",
         ("等保测评",), 95, {"security_level": 3}),
        ("human-resources", "人社系统网络安全等级保护测评",
         "按照网络安全等级保护制度，对社保经办和就业服务系统开展年度等级测评。",
         ("等保测评", "网络安全"), 60, {"security_level": 3}),
    )),
    ("monitoring", "security", "sec_ops", (
        ("data-bureau", "政务云平台网络安全监测服务",
         "对政务云平台及云上业务系统提供 7×24 小时网络安全监测、态势感知、漏洞和网页篡改"
         "监测、应急响应，期限一年，可续约两次。", ("安全监测", "态势感知"), 156,
         {"security_level": 3, "response_minutes": 15, "operations_months": 12}),
        ("housing-construction", "住建系统网络安全监测预警",
         "门户网站和建筑市场监管系统需要全天候网络安全监测，发现漏洞、网页篡改和攻击及时"
         "告警和应急响应。", ("安全监测", "漏洞"), 35, {"response_minutes": 30}),
    )),
    ("backup", "infrastructure", "backup", (
        ("data-bureau", "备份云服务（490TB + 200 台应用级容灾云主机）",
         "为政务云上业务系统提供备份云服务 490TB 和 200 台应用级容灾云主机，异地容灾，"
         "定期容灾切换演练。", ("备份云", "容灾"), 652,
         {"security_level": 3, "availability_pct": Decimal("99.95")}),
        ("healthcare-security", "医保核心数据异地容灾备份",
         "医保结算数据需要异地备份和容灾，RPO 不大于 15 分钟，每年开展容灾切换演练。",
         ("容灾", "数据备份"), 240, {"security_level": 3, "availability_pct": Decimal("99.99")}),
    )),
    ("hotline", "portal", "hotline", (
        ("healthcare-security", "医保服务热线呼叫中心扩容",
         "医保服务热线高峰接通率不足，扩容坐席至 80 席，升级 IVR 语音导航和录音质检，"
         "话务员驻场外包。", ("热线", "呼叫中心"), 280, {"response_minutes": 1}),
        ("human-resources", "12333 热线话务外包和坐席扩容",
         "12333 热线话务量持续增长，外包话务员 60 人，坐席系统扩容，增加智能语音导航。",
         ("热线", "话务外包"), 340, {"response_minutes": 1}),
    )),
)  # fmt: skip

_LEADS = ("根据年度信息化工作计划，", "为提升业务办理效率，", "针对现有系统难以满足业务需要的问题，",
          "按照数字化改革工作部署，", "")  # fmt: skip
_OFFICES = ("由{short}信息中心牵头实施", "{short}各业务处室共同使用", "服务{short}及下属单位",
            "纳入{short}年度信息化项目", "由{short}业务处室提出")  # fmt: skip
_CRITERIA = ("通过第三方软件测评和初验、终验", "服务期满考核合格", "功能和性能指标全部达标",
             "运行三个月无重大故障")  # fmt: skip
_STANDARDS = ("GB/T 22239-2019", "GB/T 35273-2020", "GB/T 28448-2019", "GB/T 20984-2022",
              "GB/T 28181-2022", "GB/T 36344-2018")  # fmt: skip


def _day(rng: random.Random) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))


def _indicators(rng: random.Random, category: str, budget: int) -> dict:
    security = rng.choice((2, 2, 3)) if category != "security" else rng.choice((2, 3))
    return {
        "technical_standard": "；".join(rng.sample(_STANDARDS, rng.randint(1, 2))),
        "implementation_days": rng.choice((60, 90, 120, 180, 240, 365)),
        "budget_wan": Decimal(budget),
        "availability_pct": rng.choice((Decimal("99"), Decimal("99.5"), Decimal("99.9"))),
        "response_minutes": rng.choice((15, 30, 60, 120, 240)),
        "data_interfaces": rng.randint(0, 20),
        "security_level": security,
        "user_scale": rng.choice((50, 200, 1000, 5000, 20000, 100000, 1000000)),
        "integration_points": rng.randint(0, 8),
        "xinchuang_required": rng.random() < 0.15,
        "acceptance_criteria": rng.choice(_CRITERIA),
        "operations_months": rng.choice((0, 12, 12, 24, 36)),
    }


def _region(rng: random.Random) -> str:
    return rng.choice(HANGZHOU_DISTRICTS) if rng.random() < 0.25 else "330100"


def _needs(city: DemoCity) -> tuple[tuple[NeedText, ...], tuple[tuple[str, str], ...]]:
    rng = rng_for(city.seed, "demand-needs")
    departments = {d.key for d in city.departments}
    drafts = []  # (department, title, description, tags, category, budget, overrides, group)
    for theme, category, _area, entries in PLANTED:
        for dept, title, description, tags, budget, overrides in entries:
            assert dept in departments, dept
            drafts.append((dept, title, description, tags, category, budget, overrides, theme))
    short = {d.key: d.short_name for d in city.departments}
    own = [(d, t) for d in sorted(DEPARTMENT_THEMES) for t in DEPARTMENT_THEMES[d]]
    for dept, theme in own:
        assert dept in departments, dept
        lead = rng.choice(_LEADS) if rng.random() < 0.4 else ""
        # officers name their own office: department words keep two departments' unrelated
        # needs apart, and a department's needs together (same-department pairs are not flagged)
        office = rng.choice(_OFFICES).format(short=short[dept])
        budget = rng.randint(*theme.budget)
        drafts.append((dept, theme.title, f"{lead}{theme.core}，{office}。", theme.tags,
                       theme.category, budget, {}, None))  # fmt: skip
    assert len(drafts) == N_NEEDS, len(drafts)
    dated = sorted((_day(rng), k) for k in range(len(drafts)))
    needs, groups = [], {}
    for seq, (day, k) in enumerate(dated, start=1):
        dept, title, description, tags, category, budget, overrides, group = drafts[k]
        values = _indicators(rng, category, budget) | overrides
        need = NeedText(
            id=f"need-{seq:03d}",
            department=dept,
            title=title,
            description=description,
            tags=tuple(tags),
            category=category,
            region_code=_region(rng) if group is None else "330100",
            filed_on=day,
            **values,
        )
        needs.append(need)
        if group:
            groups.setdefault(group, []).append(need)
    pairs = []
    for members in groups.values():
        for a, b in itertools.combinations(members, 2):
            if a.department != b.department:
                pairs.append((a.id, b.id))
    return tuple(needs), tuple(sorted(pairs))


def generate_needs(city: DemoCity) -> list[NeedText]:
    """The demo city's 137 needs, by filing date (ids need-001 .. need-137 in that order).
    A list, not a tuple: callers that also accept a (needs, pairs) tuple tell them apart."""
    return list(_needs(city)[0])


def planted_duplicates(city: DemoCity) -> tuple[tuple[str, str], ...]:
    """The planted cross-department duplicate pairs of ``generate_needs(city)`` (need ids)."""
    return _needs(city)[1]


def need_area(need: NeedText) -> str:
    """The capability area a demo need belongs to (for tests: its right suppliers' area)."""
    for _theme, _category, area, entries in PLANTED:
        if any(e[1] == need.title for e in entries):
            return area
    for themes in DEPARTMENT_THEMES.values():
        for t in themes:
            if t.title == need.title:
                return t.area
    raise KeyError(need.title)


# --- scaled up for the benchmark ---------------------------------------------------------------

_FILLER: list[str] | None = None


def _filler_words() -> list[str]:
    """Common 2–4 character words of jieba's dictionary, most frequent first: filler that gives
    scaled texts a realistic vocabulary (Zipf-like, tens of thousands of words)."""
    global _FILLER
    if _FILLER is None:
        import jieba

        with jieba.get_dict_file() as f:
            rows = (line.decode("utf-8").split() for line in f)
            words = [(w, int(n)) for w, n, *_ in rows if 2 <= len(w) <= 4 and int(n) >= 200]
        words.sort(key=lambda x: (-x[1], x[0]))
        _FILLER = [w for w, _ in words[:20000]]
    return _FILLER


def _filler(rng: random.Random, k: int) -> str:
    words = _filler_words()
    # a rank drawn from a Zipf-like law: small ranks (common words) are likelier; run-on text
    # with a comma now and then, as officers write
    out = []
    for n in range(k):
        out.append(words[min(int(len(words) * rng.random() ** 3), len(words) - 1)])
        if n % 7 == 6:
            out.append("，")
    return "".join(out)


_ALL_THEMES = tuple(t for d in sorted(DEPARTMENT_THEMES) for t in DEPARTMENT_THEMES[d])


def scaled_capabilities(n: int, *, seed: int = 20250601) -> tuple[SupplierCapability, ...]:
    """``n`` synthetic supplier profiles for benchmarks, the same for the same seed."""
    rng = random.Random(seed)
    areas = list(AREAS)
    out = []
    for i in range(n):
        chosen = rng.sample(areas, rng.randint(2, 3))
        region = "330100" if rng.random() < 0.7 else rng.choice(("110108", "310115", "440305"))
        base = _capability(rng, f"supplier-{i + 1:05d}", f"示例{i + 1:05d}科技有限公司", region,
                           chosen)  # fmt: skip
        filler = _filler(rng, rng.randint(15, 35))
        out.append(replace(base, capabilities=base.capabilities + filler))
    return tuple(out)


def scaled_needs(
    n: int, *, seed: int = 20250602, departments: int = 300, duplicate_share: float = 0.05
) -> tuple[tuple[NeedText, ...], tuple[tuple[str, str], ...]]:
    """``n`` synthetic needs from ``departments`` departments and the planted duplicate pairs:
    a ``duplicate_share`` of the needs re-file, in another department's words, an earlier need."""
    rng = random.Random(seed)
    needs: list[NeedText] = []
    pairs = []
    for i in range(n):
        dept = f"dept-{rng.randrange(departments):03d}"
        if needs and rng.random() < duplicate_share:
            src = rng.choice(needs)
            while dept == src.department:
                dept = f"dept-{rng.randrange(departments):03d}"
            kept = [w for w in src.description.split("，") if rng.random() < 0.7]
            description = "，".join(kept) + "，" + _filler(rng, 5)
            need = replace(src, id=f"need-{i + 1:05d}", department=dept,
                           description=description, filed_on=_day(rng))  # fmt: skip
            pairs.append((src.id, need.id))
        else:
            theme = rng.choice(_ALL_THEMES)
            budget = rng.randint(*theme.budget)
            need = NeedText(
                id=f"need-{i + 1:05d}",
                department=dept,
                # titles and texts mostly the officer's own words: a theme's needs are alike,
                # not copies (copies are the planted duplicates)
                title=f"{_filler(rng, 2)}{rng.choice(('系统', '平台', '服务', '运维'))}",
                description=f"{_filler(rng, rng.randint(30, 55))}，{theme.tags[0]}。",
                tags=(theme.tags[0], _filler(rng, 1)),
                category=theme.category,
                region_code=_region(rng),
                filed_on=_day(rng),
                **_indicators(rng, theme.category, budget),
            )
        needs.append(need)
    return tuple(needs), tuple(pairs)
