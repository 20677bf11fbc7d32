"""User-facing messages of the generated screens, in English and Simplified Chinese."""

from views.labels import bilingual

ADDED = bilingual("Added.", "已新增。")
SAVED = bilingual("Saved.", "已保存。")
DELETED = bilingual("Deleted.", "已删除。")
STALE_KEPT = bilingual(
    "Not saved: someone else changed this record after you opened it. Your input is kept "
    "below, with the value stored now under each field that differs; save again to apply "
    "your input over theirs.",
    "未保存：您打开此记录后，其他人修改了它。您的输入已保留在下方，与之不同的字段下方显示了"
    "当前保存的值；再次保存即以您的输入覆盖。",
)
STORED_NOW = bilingual("Stored now", "当前保存的值")
EMPTY = bilingual("(empty)", "（空）")
GONE = bilingual("This record no longer exists.", "此记录已不存在。")
DUPLICATE = bilingual(
    "Not saved: a record with the same unique value already exists.",
    "未保存：已存在具有相同唯一值的记录。",
)
LINK_GONE = bilingual(
    "Not saved: a linked record does not exist or a value is not allowed.",
    "未保存：关联的记录不存在，或某个值不被允许。",
)
KEEP_HIDDEN = bilingual(
    "Personal data is hidden from you: leave blank to keep the current value, or type a new one.",
    "个人信息对您隐藏：留空则保留原值，或输入新值。",
)
MASKED_FIELD = bilingual(
    "Refused: you see {fields} masked, so you cannot filter, search or sort by it.",
    "已拒绝：{fields} 对您显示为脱敏信息，不能按其筛选、搜索或排序。",
)


def masked_field_message(labels: dict, fields: list[str]) -> str:
    """``MASKED_FIELD`` naming ``fields`` by their labels in the request's language."""
    names = ", ".join(str(labels.get(name, name)) for name in fields)
    return str(MASKED_FIELD).format(fields=names)


# How a console run ended: the outcome codes kept in its history and audit events.
CONSOLE_OUTCOMES = {
    "ok": ("ok", "成功"),
    "write_refused": ("write refused", "写操作被拒绝"),
    "timeout": ("timed out", "超时"),
    "unavailable": ("database unavailable", "数据库不可用"),
    "syntax": ("syntax error", "语法错误"),
    "query": ("query error", "查询出错"),
}
