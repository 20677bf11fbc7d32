"""Wording of the segment pages and API: labels, explanation sentences, messages."""

from __future__ import annotations

from graph.model import nodes
from graph.segments.members import (
    HIDDEN,
    RuleMatch,
)
from views.labels import bilingual, choice_label
from views.scope import not_visible

LABELS = {
    "title": ("Segments", "客户分群"),
    "new": ("New segment", "新建分群"),
    "edit": ("Edit segment", "编辑分群"),
    "name": ("Name", "名称"),
    "description": ("Description", "描述"),
    "rules": ("Rules (all must hold)", "规则（须全部满足）"),
    "members": ("Members", "成员"),
    "count": ("{n} members visible to you", "您可见的成员 {n} 个"),
    "save": ("Save", "保存"),
    "delete": ("Delete", "删除"),
    "export": ("CSV export", "CSV 导出"),
    "graph": ("Segment as a graph", "分群关系图"),
    "why": ("Why?", "原因"),
    "explain": ("Why this customer is in the segment", "该客户入选原因"),
    "matched": ("matched", "满足"),
    "not_matched": ("not matched", "不满足"),
    "none": ("No segments yet.", "暂无分群。"),
    "previous": ("Previous", "上一页"),
    "next": ("Next", "下一页"),
    "stage": ("Stage", "阶段"),
    "industry": ("Industry (comma-separated for any of)", "行业（逗号分隔表示任一）"),
    "region": ("Region (comma-separated for any of)", "地区（逗号分隔表示任一）"),
    "tags": ("Tags", "标签"),
    "tags_any": ("any of", "任一"),
    "tags_all": ("all of", "全部"),
    "channel": ("Channel", "来源渠道"),
    "owner": ("Owner", "负责人"),
    "value_tier": ("Value tier", "价值等级"),
    "created": ("Created between", "创建日期介于"),
    "follow_up": ("Last follow-up", "最近跟进"),
    "before": ("before", "早于"),
    "after": ("on or after", "不早于"),
    "no_follow_up": ("none yet", "从未跟进"),
    "order_count": ("Orders at least", "订单数不少于"),
    "order_total": ("Order total at least", "订单总额不少于"),
    "referred_by": ("Referred by customer", "推荐来源客户"),
    "hops": ("within hops (1-10)", "跳数以内（1-10）"),
    "descendants": ("Referral descendants at least", "下线客户数不少于"),
    "influence": ("Influence above", "影响力高于"),
}
# What an explanation calls each rule's field, and its sentences about referral paths.
EVIDENCE = {
    "stage": ("stage", "阶段"),
    "value_tier": ("value tier", "价值等级"),
    "industry": ("industry", "行业"),
    "region": ("region", "地区"),
    "tags": ("tags", "标签"),
    "channel": ("channel", "来源渠道"),
    "owner": ("owner", "负责人"),
    "created": ("created", "创建日期"),
    "last_follow_up": ("last follow-up", "最近跟进"),
    "order_count": ("orders", "订单数"),
    "order_total": ("order total", "订单总额"),
    "referred_by": ("referred by", "推荐来源"),
    "descendants": ("referral descendants", "下线客户数"),
    "influence": ("influence", "影响力"),
    "referred": ("referred by {referrer} ({hops} hops)", "由 {referrer} 推荐（{hops} 跳）"),
    "referred_via": (
        "referred by {referrer} via {via} ({hops} hops)",
        "由 {referrer} 经 {via} 推荐（{hops} 跳）",
    ),
    "not_referred": (
        "not referred by {referrer} within {hops} hops",
        "不在 {referrer} 的 {hops} 跳推荐范围内",
    ),
}
CHOICES = {"stage": nodes.STAGES, "value_tier": nodes.TIERS}  # stored values shown as labels
NOT_FOUND = bilingual("This segment does not exist.", "此分群不存在。")
STALE = bilingual(
    "Not saved: someone else changed this segment after you opened it.",
    "未保存：您打开此分群后，其他人修改了它。",
)
STALE_KEPT = bilingual(
    "Not saved: someone else changed this segment after you opened it. Your input is kept "
    "below and is now based on their version; save again to apply your input over theirs.",
    "未保存：您打开此分群后，其他人修改了它。您的输入已保留在下方，并已基于对方的版本；"
    "再次保存即以您的输入覆盖。",
)
VERSION_REQUIRED = bilingual(
    "version: send the version of the segment you edited (a whole number).",
    "version：请发送您所编辑的分群版本号（整数）。",
)


def evidence(match: RuleMatch, words: dict[str, str]) -> str:
    """Why a rule holds or not, in the reader's language (``words``: ``EVIDENCE``, localized)."""
    field = match.rule.field
    if field in CHOICES:
        return f"{words[field]}: {choice_label(CHOICES[field], match.shown)}"
    if field != "referred_by":
        return f"{words[field]}: {match.shown}"

    def named(uid: str) -> str:
        return not_visible() if uid == HIDDEN else uid

    referrer = named(match.rule.value["customer"])
    if not match.matched:
        return words["not_referred"].format(referrer=referrer, hops=match.rule.value["hops"])
    via, hops = match.path[1:-1], len(match.path) - 1
    if via:
        shown = ", ".join(named(uid) for uid in via)
        return words["referred_via"].format(referrer=referrer, via=shown, hops=hops)
    return words["referred"].format(referrer=referrer, hops=hops)
