# ruff: noqa: E501  (synonym lists read better one per line)
"""What an import can fill: the import types and, for each, its target fields with the
header names people use for them.

A target is a declared property or relation of the type's node (``graph.model.nodes``),
or, for customers, a field of the customer's one contact (``contact.name``, ``contact.phone``
…: the common customer sheet holds 联系人 and 手机 beside 客户名称). Header names come from
the declarations in English and Chinese, plus the synonyms below: Chinese templates and the
exports of Salesforce, HubSpot, Zoho, EspoCRM, 纷享销客 and 销售易. Choice values are read
by their code, their labels and the value synonyms below (意向客户 → intent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from graph.model import nodes
from graph.model.base import NodeModel, Prop, Rel

CONTACT_PREFIX = "contact."
# The record's own ID (C20240520001): an exported file edited and imported again updates
# the records it came from.
UID = "uid"
UID_HEADERS = ("ID", "编号", "记录编号", "系统编号", "GraphCRM ID")
# The record's version as exported beside its ID: never written, only checked. An update
# row whose version is older than the stored record's would overwrite a change made since
# the export, and fails instead (``graph.io.imports.writer``).
VERSION = "version"
VERSION_HEADERS = ("Version", "版本", "版本号", "记录版本", "GraphCRM version")
# Virtual targets joined into a person's name (HubSpot and Salesforce export them apart).
FIRST_NAME, LAST_NAME = "first_name", "last_name"
# The referral-link import: who referred (a customer, contact or external referrer, by ID
# or name; ``referrer_kind`` settles a name several types share) whom (a customer), and
# when (``referred_at``, optional: the import's time when not given).
REFERRAL = "referral"
REFERRER, REFERRED, REFERRER_KIND = "referrer", "referred", "referrer_kind"
REFERRED_AT = "referred_at"


@dataclass(frozen=True)
class Target:
    """One field an import column can fill: ``name`` as mappings spell it."""

    name: str
    model: type[NodeModel]
    field: str  # the property or relation name on ``model`` ("" for a virtual target)
    en: str
    zh: str
    required: bool = False  # a virtual target's own requirement (declared fields say theirs)

    @property
    def prop(self) -> Prop | None:
        """The declared property, when the target is one."""
        return self.model.meta.prop(self.field)

    @property
    def rel(self) -> Rel | None:
        """The declared relation, when the target is one."""
        return self.model.meta.rel(self.field)


@dataclass(frozen=True)
class ImportType:
    """An importable record type: its key (``customer``), node model and targets; ``en``
    and ``zh`` name it when it is not simply its node type (referral links)."""

    key: str
    model: type[NodeModel]
    targets: tuple[Target, ...]
    en: str = ""
    zh: str = ""

    def target(self, name: str) -> Target | None:
        """The target called ``name``, or None."""
        return next((t for t in self.targets if t.name == name), None)


# Header synonyms per (model label, field); the declared en/zh labels are added to these.
HEADER_SYNONYMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Customer", "name"): (
        "客户名称",
        "客户名",
        "客户",
        "公司名称",
        "公司",
        "企业名称",
        "单位名称",
        "客户全称",
        "account name",
        "account",
        "company",
        "company name",
        "organization",
        "organisation",
        "organization name",
        "name",
    ),
    ("Customer", "kind"): (
        "客户类型",
        "客户性质",
        "客户类别",
        "企业/个人",
        "customer kind",
        "account kind",
    ),
    ("Customer", "stage"): (
        "客户阶段",
        "销售阶段",
        "客户状态",
        "成交状态",
        "跟进阶段",
        "lifecycle stage",
        "lead status",
        "stage",
        "customer stage",
        "account type",
        "type",
    ),
    ("Customer", "industry"): ("所属行业", "行业", "行业类别", "industry"),
    ("Customer", "region"): (
        "地区",
        "区域",
        "所在地区",
        "所属地区",
        "省份",
        "所属省份",
        "省市",
        "城市",
        "所在城市",
        "region",
        "city",
        "state",
        "state/region",
        "billing city",
        "billing state/province",
        "billing address city",
        "province",
    ),
    ("Customer", "address"): (
        "地址",
        "详细地址",
        "公司地址",
        "联系地址",
        "address",
        "street",
        "billing street",
        "street address",
        "billing address street",
    ),
    ("Customer", "value_tier"): (
        "价值等级",
        "客户等级",
        "客户级别",
        "等级",
        "级别",
        "rating",
        "tier",
        "value tier",
        "account rating",
    ),
    ("Customer", "status"): ("审核状态", "记录状态", "record status"),
    ("Customer", "phone"): (
        "电话",
        "公司电话",
        "联系电话",
        "电话号码",
        "座机",
        "phone",
        "phone number",
        "account phone",
        "telephone",
        "tel",
        "office phone",
    ),
    ("Customer", "email"): (
        "邮箱",
        "电子邮箱",
        "电子邮件",
        "邮件",
        "e-mail",
        "email",
        "email address",
        "mail",
    ),
    ("Customer", "id_number"): (
        "证件号码",
        "身份证号",
        "身份证号码",
        "身份证",
        "护照号",
        "id number",
        "passport number",
    ),
    ("Customer", "note"): (
        "备注",
        "说明",
        "描述",
        "客户描述",
        "note",
        "notes",
        "description",
        "remarks",
        "comment",
    ),
    ("Customer", "owner"): (
        "负责人",
        "客户负责人",
        "销售负责人",
        "所属销售",
        "销售",
        "归属人",
        "客户所有人",
        "跟进人",
        "owner",
        "account owner",
        "company owner",
        "contact owner",
        "assigned user",
        "assigned to",
        "sales rep",
    ),
    ("Customer", "channel"): (
        "来源渠道",
        "客户来源",
        "来源",
        "渠道",
        "获客渠道",
        "source",
        "lead source",
        "account source",
        "original source",
        "channel",
    ),
    ("Customer", "tags"): ("标签", "客户标签", "tags", "tag", "labels"),
    ("Customer", "referred_by"): (
        "推荐人",
        "推荐客户",
        "介绍人",
        "referred by",
        "referrer",
        "referred by customer",
    ),
    ("Contact", "name"): (
        "联系人",
        "联系人姓名",
        "联系人名称",
        "姓名",
        "全名",
        "contact",
        "contact name",
        "primary contact",
        "full name",
        "name",
    ),
    ("Contact", "title"): ("职位", "职务", "联系人职位", "头衔", "title", "job title", "position"),
    ("Contact", "phone"): (
        "手机",
        "手机号",
        "手机号码",
        "联系人手机",
        "联系人电话",
        "移动电话",
        "mobile",
        "mobile phone",
        "mobile phone number",
        "cell phone",
        "phone",
        "phone number",
    ),
    ("Contact", "email"): ("联系人邮箱", "邮箱", "电子邮箱", "email", "e-mail", "email address"),
    ("Contact", "wechat"): ("微信", "微信号", "联系人微信", "wechat", "wechat id", "weixin"),
    ("Contact", "customer"): (
        "客户名称",
        "所属客户",
        "公司名称",
        "公司",
        "客户",
        "客户编号",
        "account name",
        "associated company",
        "company",
        "company name",
        "account",
    ),
    ("FollowUp", "at"): (
        "跟进时间",
        "时间",
        "日期",
        "拜访时间",
        "date",
        "time",
        "activity date",
        "due date",
    ),
    ("FollowUp", "method"): ("跟进方式", "方式", "联系方式", "type", "activity type", "method"),
    ("FollowUp", "summary"): ("跟进内容", "摘要", "内容", "主题", "summary", "subject", "notes"),
    ("FollowUp", "feedback"): ("客户反馈", "反馈", "feedback", "outcome"),
    ("FollowUp", "next_step"): ("下一步", "下一步计划", "next step"),
    ("FollowUp", "next_due"): ("下次跟进时间", "下次跟进", "next follow-up", "next due"),
    ("FollowUp", "customer"): (
        "客户名称",
        "客户",
        "公司名称",
        "account name",
        "company",
        "related to",
    ),
    ("FollowUp", "logged_by"): ("记录人", "跟进人", "负责人", "owner", "assigned to", "logged by"),
    ("Order", "product"): ("产品", "产品名称", "商品", "product", "product name", "item"),
    ("Order", "amount"): (
        "金额",
        "订单金额",
        "合同金额",
        "成交金额",
        "amount",
        "total",
        "order amount",
        "deal amount",
    ),
    ("Order", "currency"): ("币种", "货币", "currency"),
    ("Order", "at"): (
        "下单时间",
        "订单日期",
        "成交日期",
        "日期",
        "时间",
        "order date",
        "close date",
        "date",
    ),
    ("Order", "customer"): ("客户名称", "客户", "公司名称", "account name", "company", "customer"),
    ("Ticket", "subject"): ("主题", "工单主题", "问题", "标题", "subject", "title"),
    ("Ticket", "status"): ("状态", "工单状态", "处理状态", "status"),
    ("Ticket", "satisfaction"): ("满意度", "客户满意度", "satisfaction", "csat"),
    ("Ticket", "description"): ("描述", "问题描述", "详情", "description", "details"),
    ("Ticket", "customer"): ("客户名称", "客户", "公司名称", "account name", "company", "customer"),
}
# Virtual targets (no declared field of their own): their header names.
NAME_PART_SYNONYMS = {
    FIRST_NAME: ("first name", "firstname", "given name", "名"),
    LAST_NAME: ("last name", "lastname", "surname", "family name", "姓"),
    REFERRER: (
        "推荐人",
        "推荐人名称",
        "推荐人姓名",
        "推荐人编号",
        "介绍人",
        "推荐方",
        "referrer",
        "referred by",
        "referrer name",
        "referrer id",
        "referring customer",
        "introduced by",
    ),
    REFERRED: (
        "被推荐人",
        "被推荐客户",
        "被推荐人名称",
        "被推荐客户名称",
        "被推荐客户编号",
        "被介绍人",
        "客户名称",
        "客户",
        "客户编号",
        "referred",
        "referred customer",
        "referred customer id",
        "referee",
        "customer",
        "customer name",
        "account name",
    ),
    REFERRER_KIND: ("推荐人类型", "推荐人类别", "推荐来源类型", "referrer type", "referrer kind"),
    REFERRED_AT: (
        "推荐日期",
        "推荐时间",
        "推荐日",
        "介绍日期",
        "referred on",
        "referred at",
        "referral date",
        "date referred",
    ),
}

# Choice values as people write them, per (label, field): code -> words.
VALUE_SYNONYMS: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("Customer", "stage"): {
        "potential": (
            "潜在客户",
            "潜在",
            "新客户",
            "初步接触",
            "线索",
            "prospect",
            "lead",
            "new",
            "subscriber",
            "other",
            "未成交",
        ),
        "intent": (
            "意向客户",
            "意向",
            "有意向",
            "跟进中",
            "商机",
            "opportunity",
            "marketingqualifiedlead",
            "salesqualifiedlead",
            "mql",
            "sql",
            "qualified",
            "inprogress",
        ),
        "deal": (
            "成交客户",
            "成交",
            "已成交",
            "签约客户",
            "已签约",
            "老客户",
            "customer",
            "won",
            "closedwon",
            "evangelist",
        ),
        "lost": (
            "流失客户",
            "流失",
            "已流失",
            "丢单",
            "输单",
            "lost",
            "closedlost",
            "churned",
            "formercustomer",
            "unqualified",
        ),
    },
    ("Customer", "kind"): {
        "company": (
            "企业",
            "公司",
            "企业客户",
            "单位",
            "business",
            "organization",
            "organisation",
            "b2b",
        ),
        "person": ("个人", "个人客户", "individual", "consumer", "b2c"),
    },
    ("Customer", "value_tier"): {
        "A": ("重点", "重要", "vip", "a类", "a级", "高", "hot", "重点客户"),
        "B": ("普通", "b类", "b级", "中", "warm"),
        "C": ("一般", "c类", "c级", "低", "cold"),
    },
    ("FollowUp", "method"): {
        "phone": ("电话", "致电", "call", "phonecall"),
        "visit": ("拜访", "上门", "面谈", "meeting", "visit"),
        "wechat": ("微信", "wechat", "weixin"),
        "email": ("邮件", "电子邮件", "email", "e-mail"),
    },
    ("Order", "currency"): {
        "CNY": ("人民币", "rmb", "元", "¥", "￥", "cny"),
        "USD": ("美元", "us$", "$", "usd"),
        "EUR": ("欧元", "€", "eur"),
    },
    ("Ticket", "status"): {
        "open": ("处理中", "待处理", "未解决", "open", "new", "pending"),
        "closed": ("已关闭", "已解决", "关闭", "closed", "resolved", "solved"),
    },
}

_NOISE = re.compile(r"[\s_\-:：()（）\[\]【】*＊/.·]+")


def header_key(text: str) -> str:
    """A header as compared: case-folded, without spaces, punctuation and marks such as
    the ``*`` of a required column (``Account Name*`` ~ ``account name``)."""
    return _NOISE.sub("", text.casefold())


def value_key(text: str) -> str:
    """A choice value as compared: case-folded, without spaces and punctuation."""
    return _NOISE.sub("", str(text).casefold())


def _targets(model: type[NodeModel], prefix: str = "") -> list[Target]:
    found: list[Target] = []
    if not prefix:  # the record's ID and version, as list exports write them first
        found = [
            Target(UID, model, UID, "ID", "编号"),
            Target(VERSION, model, "", "Version", "版本"),
        ]
    for item in model.meta.props + model.meta.rels:
        if not item.editable:
            continue
        if isinstance(item, Rel) and item.name in ("referred_by_contact", "referred_by_referrer"):
            continue  # referrals between existing records are their own import type
        en = item.en if not prefix else f"{model.meta.en} {item.en.lower()}"
        zh = item.zh if not prefix else f"{model.meta.zh}{item.zh}"
        found.append(Target(prefix + item.name, model, item.name, en, zh))
    return found


@cache
def import_types() -> dict[str, ImportType]:
    """The importable types by key: customer, contact, follow_up, order, ticket and
    referral (links between existing records)."""
    contact_parts = [t for t in _targets(nodes.Contact, CONTACT_PREFIX) if t.field != "customer"]
    person = [
        Target(FIRST_NAME, nodes.Contact, "", "First name", "名"),
        Target(LAST_NAME, nodes.Contact, "", "Last name", "姓"),
    ]
    referral = (
        Target(REFERRER, nodes.Customer, "", "Referrer", "推荐人", required=True),
        Target(REFERRED, nodes.Customer, "", "Referred customer", "被推荐客户", required=True),
        Target(REFERRER_KIND, nodes.Customer, "", "Referrer type", "推荐人类型"),
        Target(REFERRED_AT, nodes.Customer, "", "Referral date", "推荐日期"),
    )
    types = (
        ImportType("customer", nodes.Customer, tuple(_targets(nodes.Customer) + contact_parts)),
        ImportType("contact", nodes.Contact, tuple(_targets(nodes.Contact) + person)),
        ImportType("follow_up", nodes.FollowUp, tuple(_targets(nodes.FollowUp))),
        ImportType("order", nodes.Order, tuple(_targets(nodes.Order))),
        ImportType("ticket", nodes.Ticket, tuple(_targets(nodes.Ticket))),
        ImportType(REFERRAL, nodes.Customer, referral, "Referral links", "推荐关系"),
    )
    return {t.key: t for t in types}


def import_type(key: str) -> ImportType:
    """The import type ``key``; ``KeyError`` names the known ones."""
    try:
        return import_types()[key]
    except KeyError:
        raise KeyError(f"no import type {key!r} (known: {', '.join(import_types())})") from None


def header_names(target: Target) -> tuple[str, ...]:
    """Every header that names ``target``, best first: its labels, then synonyms."""
    if target.name == UID:
        return UID_HEADERS
    if target.name == VERSION:
        return VERSION_HEADERS
    if target.name in NAME_PART_SYNONYMS:
        return (target.en, target.zh, *NAME_PART_SYNONYMS[target.name])
    own = HEADER_SYNONYMS.get((target.model.label, target.field), ())
    names = [target.en, target.zh]
    if target.name.startswith(CONTACT_PREFIX):
        names += [target.model.meta.zh + target.zh[len(target.model.meta.zh) :]]
        names += [
            f"联系人{s}"
            for s in own
            if not s.startswith("联系人") and re.search(r"[\u4e00-\u9fff]", s)
        ]
        names += [f"contact {s}" for s in own if s.isascii()]
        # The plain names too (联系人, 手机, 职位): the customer sheet's contact columns.
        names += [
            s
            for s in own
            if s
            not in (
                "name",
                "phone",
                "phone number",
                "email",
                "e-mail",
                "email address",
                "邮箱",
                "电子邮箱",
                "全名",
                "姓名",
            )
        ]
        return tuple(dict.fromkeys(names))
    item = target.prop or target.rel
    if item is not None:
        names += [item.en, item.zh]
    return tuple(dict.fromkeys(names + list(own)))


def choice_words(model: type[NodeModel], prop: Prop) -> dict[str, str]:
    """value_key(word) -> code for every way of writing a choice of ``prop``: its code,
    labels in both languages, and the synonyms above."""
    words: dict[str, str] = {}
    for choice in prop.choices:
        for word in (choice.value, choice.en, choice.zh):
            words.setdefault(value_key(word), choice.value)
    for code, synonyms in VALUE_SYNONYMS.get((model.label, prop.name), {}).items():
        for word in synonyms:
            words.setdefault(value_key(word), code)
    return words
