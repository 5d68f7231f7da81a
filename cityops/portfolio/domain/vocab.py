"""The words of brief §1, as plain enums (values are what the database and the API store)."""

from enum import StrEnum


class OperationModel(StrEnum):
    PURCHASE = "purchase"  # 政府购买服务
    PPP = "ppp"  # 政府和社会资本合作
    EPC = "epc"  # 工程总承包
    PLATFORM = "platform"  # 政府平台公司
    JOINT = "joint"  # 联合公司
    DBB = "dbb"  # 传统设计-招标-建造
    SELF_BUILT = "self_built"  # 自建自营


class PPPSubtype(StrEnum):
    BOT = "bot"
    TOT = "tot"
    ROT = "rot"
    BOO = "boo"
    OM = "om"  # O&M, 委托运营
    BT = "bt"  # build-transfer: recorded so the compliance engine can say it is not PPP


class OperationObject(StrEnum):
    INFRASTRUCTURE = "infrastructure"
    DATA = "data"
    SYSTEM = "system"
    PORTAL = "portal"
    SECURITY = "security"


class InvestmentSubject(StrEnum):
    GOVERNMENT = "government"  # 政府投资、政府运营
    GOVERNMENT_ENTERPRISE = "government_enterprise"  # 政府投资、企业运营
    ENTERPRISE = "enterprise"  # 企业投资、企业运营
    JOINT = "joint"  # 政企联合投资、企业运营


class ReturnMechanism(StrEnum):
    GOVERNMENT_PAY = "government_pay"
    USER_PAY = "user_pay"
    VGF = "vgf"  # 可行性缺口补助


class OtherIncome(StrEnum):
    ADVERTISING = "advertising"
    DATA_SERVICES = "data_services"  # 数据增值服务


class Phase(StrEnum):
    PLAN = "plan"
    BUILD = "build"
    OPERATE = "operate"
    HANDOVER = "handover"


class CompanyKind(StrEnum):
    SPV = "spv"  # 项目公司
    PLATFORM = "platform"  # 平台公司
    JOINT = "joint"  # 联合公司


class ServiceCategory(StrEnum):
    """What a purchase of services buys, for the negative list of 财政部令第102号."""

    SERVICE = "service"  # an ordinary public or government-support service: allowed
    OUTSIDE_DUTIES = "outside_duties"  # matters outside government duties
    GOVERNMENT_ONLY = "government_only"  # matters the government must do itself
    GOODS = "goods"
    WORKS = "works"
    WORKS_WITH_SERVICES = "works_with_services"
    FINANCING = "financing"
    OWN_STAFFING = "own_staffing"  # the buyer's own recruitment, labour dispatch, welfare posts
    OTHER_BARRED = "other_barred"


class Outcome(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"
