# ruff: noqa: E501  (one field per line reads better than wrapped declarations)
"""The node types of GraphCRM, declared once (see ``graph.model.base``).

Adding a field is one line here: forms, lists, filters, REST schemas, Cypher and
translations follow from it.
"""

from __future__ import annotations

from graph.model.base import Choice, NodeModel, Prop, Rel, check_registry, check_scope_paths

STAGES = (
    Choice("potential", "Potential", "潜在"),
    Choice("intent", "Intent", "意向"),
    Choice("deal", "Deal", "成交"),
    Choice("lost", "Lost", "流失"),
)
CUSTOMER_KINDS = (Choice("company", "Company", "企业"), Choice("person", "Person", "个人"))
TIERS = (Choice("A", "A (key)", "A（重点）"), Choice("B", "B", "B"), Choice("C", "C", "C"))
STATUSES = (
    Choice("pending", "Pending review", "待审核"),
    Choice("active", "Active", "有效"),
    Choice("archived", "Archived", "已归档"),
)


class User(NodeModel):
    """A staff member, mirrored from the security store; owns customers."""

    en, zh, zh_plural = "User", "用户", "用户"
    uid_prefix = "U"
    title = "display_name"
    default_order = "username"
    props = (
        Prop("username", "Username", "用户名", required=True, unique=True, max_length=64, listed=True, indexed=True),
        Prop("display_name", "Name", "姓名", required=True, max_length=100, listed=True),
        Prop("title", "Job title", "职位", max_length=100, listed=True),
        Prop("phone", "Phone", "电话", kind="phone", pii=True),
        Prop("email", "E-mail", "邮箱", kind="email", pii=True),
    )  # fmt: skip
    rels = (
        Rel(
            "manager",
            "Reports to",
            "上级",
            type="REPORTS_TO",
            type_en="Reports to",
            type_zh="汇报给",
            target="User",
            listed=True,
        ),
    )


class Channel(NodeModel):
    """Where customers come from; channels may nest."""

    en, zh, zh_plural = "Channel", "渠道", "渠道"
    uid_prefix = "CH"
    props = (
        Prop("name", "Name", "名称", required=True, unique=True, max_length=100, listed=True, indexed=True),
        Prop("name_en", "English name", "英文名称", max_length=100, listed=True),
    )  # fmt: skip
    rels = (
        Rel(
            "parent",
            "Part of",
            "上级渠道",
            type="PART_OF",
            type_en="Part of",
            type_zh="隶属于",
            target="Channel",
            listed=True,
        ),
    )


class Tag(NodeModel):
    """A label put on customers."""

    en, zh, zh_plural = "Tag", "标签", "标签"
    uid_prefix = "TG"
    props = (
        Prop("name", "Name", "名称", required=True, unique=True, max_length=50, listed=True, indexed=True),
    )  # fmt: skip


class Referrer(NodeModel):
    """A person or partner who refers customers but is not one."""

    en, zh, zh_plural = "Referrer", "推荐人", "推荐人"
    uid_prefix = "R"
    props = (
        Prop("name", "Name", "名称", required=True, max_length=200, listed=True, indexed=True),
        Prop("kind", "Kind", "类型", choices=(Choice("person", "Person", "个人"), Choice("partner", "Partner", "合作伙伴")), default="person", listed=True),
        Prop("phone", "Phone", "电话", kind="phone", pii=True, listed=True),
        Prop("email", "E-mail", "邮箱", kind="email", pii=True),
        Prop("note", "Note", "备注", kind="text", searchable=False),
    )  # fmt: skip


class Customer(NodeModel):
    """The master record of a customer: company or person."""

    en, zh, zh_plural = "Customer", "客户", "客户"
    uid_prefix = "C"
    scope_path = ()
    props = (
        Prop("name", "Name", "名称", required=True, max_length=200, listed=True, indexed=True),
        Prop("kind", "Kind", "类型", choices=CUSTOMER_KINDS, default="company", listed=True),
        Prop("stage", "Stage", "阶段", required=True, choices=STAGES, default="potential", listed=True, indexed=True, segment=True),
        Prop("industry", "Industry", "行业", max_length=100, segment=True),
        Prop("region", "Region", "地区", max_length=100, listed=True, segment=True),
        Prop("address", "Address", "地址", kind="text", max_length=500, searchable=False),
        Prop("value_tier", "Value tier", "价值等级", choices=TIERS, segment=True),
        Prop("status", "Status", "状态", choices=STATUSES, default="active", indexed=True),
        Prop("phone", "Phone", "电话", kind="phone", pii=True, listed=True),
        Prop("email", "E-mail", "邮箱", kind="email", pii=True),
        Prop("id_number", "ID / passport number", "证件号码", max_length=64, pii=True),
        Prop("note", "Note", "备注", kind="text", max_length=2000, searchable=False),
        # Written by `graphcrm analytics refresh` (graph/analytics/refresh.py), read-only elsewhere.
        Prop("referral_descendants", "Referral descendants", "推荐下线人数", kind="integer", indexed=True, editable=False),
        Prop("referral_depth", "Referral depth", "推荐层级", kind="integer", editable=False),
        Prop("influence", "Influence", "影响力", kind="float", indexed=True, editable=False, segment=True),
        Prop("community", "Referral community", "推荐社群", kind="integer", indexed=True, editable=False),
        Prop("referral_revenue", "Referral network revenue", "推荐下线收入", kind="float", editable=False),
    )  # fmt: skip
    rels = (
        Rel("owner", "Owner", "负责人", type="OWNS", type_en="Owns", type_zh="负责", target="User", direction="in", listed=True, segment=True),
        Rel("channel", "Channel", "来源渠道", type="ACQUIRED_VIA", type_en="Acquired via", type_zh="来源渠道", target="Channel", listed=True, segment=True),
        Rel("tags", "Tags", "标签", type="TAGGED", type_en="Tagged", type_zh="标签", target="Tag", many=True, listed=True, segment=True),
        Rel("referred_by", "Referred by (customer)", "推荐客户", type="REFERRED", type_en="Referred", type_zh="推荐", target="Customer", direction="in", segment=True),
        Rel("referred_by_contact", "Referred by (contact)", "推荐联系人", type="REFERRED", target="Contact", direction="in"),
        Rel("referred_by_referrer", "Referred by (referrer)", "外部推荐人", type="REFERRED", target="Referrer", direction="in"),
    )  # fmt: skip


class Contact(NodeModel):
    """A person at a customer."""

    en, zh, zh_plural = "Contact", "联系人", "联系人"
    uid_prefix = "K"
    scope_path = ("customer",)
    props = (
        Prop("name", "Name", "姓名", required=True, max_length=100, listed=True, indexed=True),
        Prop("title", "Job title", "职位", max_length=100, listed=True),
        Prop("phone", "Phone", "电话", kind="phone", pii=True, listed=True),
        Prop("email", "E-mail", "邮箱", kind="email", pii=True, listed=True),
        Prop("wechat", "WeChat", "微信", max_length=64, pii=True),
    )  # fmt: skip
    rels = (
        Rel(
            "customer",
            "Works for",
            "所属客户",
            type="WORKS_FOR",
            type_en="Works for",
            type_zh="任职于",
            target="Customer",
            listed=True,
        ),
    )


class FollowUp(NodeModel):
    """A contact with a customer: call, visit, message."""

    en, zh, zh_plural = "Follow-up", "跟进记录", "跟进记录"
    uid_prefix = "F"
    title = "summary"
    default_order = "at"
    scope_path = ("customer",)
    props = (
        Prop("at", "Time", "时间", kind="datetime", required=True, default_now=True, listed=True, indexed=True),
        Prop("method", "Method", "方式", choices=(Choice("phone", "Phone", "电话"), Choice("visit", "Visit", "拜访"), Choice("wechat", "WeChat", "微信"), Choice("email", "E-mail", "邮件")), required=True, listed=True),
        Prop("summary", "Summary", "摘要", required=True, max_length=500, listed=True),
        Prop("feedback", "Customer feedback", "客户反馈", kind="text", max_length=2000),
        Prop("next_step", "Next step", "下一步", max_length=500),
        Prop("next_due", "Next due", "下次跟进时间", kind="datetime", listed=True),
    )  # fmt: skip
    rels = (
        Rel("customer", "Customer", "客户", type="ABOUT", type_en="About", type_zh="关于", target="Customer", required=True, listed=True, on_target_delete="cascade"),
        Rel("logged_by", "Logged by", "记录人", type="LOGGED", type_en="Logged", type_zh="记录", target="User", direction="in", listed=True),
    )  # fmt: skip


class Order(NodeModel):
    """A purchase by a customer."""

    en, zh, zh_plural = "Order", "订单", "订单"
    uid_prefix = "O"
    title = "product"
    default_order = "at"
    scope_path = ("customer",)
    props = (
        Prop("product", "Product", "产品", required=True, max_length=200, listed=True),
        Prop("amount", "Amount", "金额", kind="float", required=True, listed=True, currency="currency"),
        Prop("currency", "Currency", "币种", choices=(Choice("CNY", "CNY", "人民币"), Choice("USD", "USD", "美元"), Choice("EUR", "EUR", "欧元")), default="CNY", listed=True),
        Prop("at", "Time", "时间", kind="datetime", required=True, default_now=True, listed=True, indexed=True),
    )  # fmt: skip
    rels = (
        Rel("customer", "Customer", "客户", type="PLACED", type_en="Placed", type_zh="下单", target="Customer", direction="in", required=True, listed=True, on_target_delete="cascade"),
    )  # fmt: skip


class Ticket(NodeModel):
    """A service request or complaint."""

    en, zh, zh_plural = "Ticket", "服务工单", "服务工单"
    uid_prefix = "T"
    title = "subject"
    default_order = "created_at"
    scope_path = ("customer",)
    props = (
        Prop("subject", "Subject", "主题", required=True, max_length=200, listed=True),
        Prop("status", "Status", "状态", choices=(Choice("open", "Open", "处理中"), Choice("closed", "Closed", "已关闭")), default="open", required=True, listed=True, indexed=True),
        Prop("satisfaction", "Satisfaction (1-5)", "满意度（1-5）", kind="integer", listed=True),
        Prop("description", "Description", "描述", kind="text", max_length=4000),
    )  # fmt: skip
    rels = (
        Rel("customer", "Customer", "客户", type="RAISED", type_en="Raised", type_zh="提交", target="Customer", direction="in", required=True, listed=True, on_target_delete="cascade"),
    )  # fmt: skip


# Saved segments (graph/segments/storage.py) are no declared node type but take uids the same way.
SEGMENT_UID_PREFIX = "SG"

check_registry(SEGMENT_UID_PREFIX)
check_scope_paths()
