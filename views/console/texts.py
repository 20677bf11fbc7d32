"""Wording of the console page and API: refusals, limits and the page's panel labels."""

from __future__ import annotations

from views.labels import bilingual
from views.texts import CONSOLE_OUTCOMES as OUTCOMES

WRITE_REFUSED = bilingual(
    "Read-only console: writes are refused (CREATE, MERGE, SET, DELETE, REMOVE and write "
    "procedures). Nothing was changed.",
    "只读控制台：拒绝写操作（CREATE、MERGE、SET、DELETE、REMOVE 及写入过程），数据未被修改。",
)
MASKED_INDEX = bilingual(
    "Refused: you see personal data masked, so your queries cannot use blind indexes "
    "(properties ending in _bidx).",
    "已拒绝：个人信息对您脱敏显示，查询中不能使用盲索引（以 _bidx 结尾的属性）。",
)
TIMED_OUT = bilingual(
    "The query was stopped after {ms} ms (the console's time limit). Narrow it down or add LIMIT.",
    "查询超过控制台时限 {ms} 毫秒，已被终止。请缩小范围或加上 LIMIT。",
)
NOT_YOURS = (
    "Only the owner of a shared query can change or delete it; save a copy under your name.",
    "只有共享查询的所有者可以修改或删除它；可以用自己的名称另存一份。",
)

BUSY = {
    "user": bilingual(
        "You already have a console query running: wait for it to finish, then run this one.",
        "您已有一个控制台查询正在运行，请等它结束后再运行。",
    ),
    "total": bilingual(
        "The console is busy with other analysts' queries: try again in a few seconds.",
        "控制台正忙于其他分析人员的查询，请几秒钟后重试。",
    ),
}

# The saved-queries and history panels of the page (English and Chinese, picked per request).
PANEL_LABELS = {
    "saved": ("Saved queries", "已保存的查询"),
    "history": ("History", "历史记录"),
    "name": ("Name", "名称"),
    "description": ("Description (optional)", "说明（可选）"),
    "shared": ("Share with other console users", "与其他控制台用户共享"),
    "save": ("Save query", "保存查询"),
    "load": ("Load", "载入"),
    "delete": ("Delete", "删除"),
    "mine_private": ("private", "私有"),
    "mine_shared": ("shared by me", "我共享的"),
    "shared_by": ("shared by {owner}", "{owner} 共享"),
    "none_saved": ("No saved queries yet.", "还没有已保存的查询。"),
    "none_history": ("No runs yet.", "还没有运行记录。"),
    "name_required": ("Give the query a name first.", "请先为查询命名。"),
    "saved_ok": ("Saved.", "已保存。"),
    "confirm_overwrite": (
        'Replace your saved query "{name}" with the current one?',
        "用当前查询替换已保存的查询“{name}”？",
    ),
    "confirm_delete": ('Delete the saved query "{name}"?', "删除已保存的查询“{name}”？"),
    "rows": ("{n} rows", "{n} 行"),
    "one_row": ("1 row", "1 行"),
    "export": ("CSV export", "CSV 导出"),
    "running": ("Running…", "运行中…"),
    "took": ("{rows} in {ms} ms", "{rows}，用时 {ms} 毫秒"),
    "no_answer": ("The server did not answer: {error}", "服务器没有响应：{error}"),
    "params_json": ("Parameters are not valid JSON: {error}", "参数不是有效的 JSON：{error}"),
    "params_object": (
        'Parameters must be a JSON object, e.g. {"name": "value"}',
        '参数必须是 JSON 对象，例如 {"name": "value"}',
    ),
    # How a run ended (the history's stored outcome codes).
    **{f"outcome_{code}": pair for code, pair in OUTCOMES.items()},
}
