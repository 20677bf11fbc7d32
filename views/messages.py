"""The error table: every message key a domain error (``graph.errors``) or a validation
``Message`` (``graph.model.validation``) carries, mapped to its gettext message.

graph/ says what went wrong with a key and parameters; this table is the one place that
says it to people, in the request's language (placeholders are ``%(name)s``). Errors whose
message depends on the screen (a timeout, a masked field, a refused delete) are said by
their views instead.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import LazyString, get_locale, lazy_gettext

from graph.errors import GraphCRMError

MESSAGES: dict[str, LazyString] = {
    # Validation of node values (graph.model.validation.Message).
    "required": lazy_gettext("This field is required."),
    "too_long": lazy_gettext("At most %(max)s characters."),
    "choice": lazy_gettext("Choose one of: %(choices)s."),
    "email": lazy_gettext("Not a valid e-mail address."),
    "email_masked": lazy_gettext(
        "This is an e-mail address as shown masked (z***@example.com): type the whole address."
    ),
    "phone": lazy_gettext("Not a valid phone number."),
    "integer": lazy_gettext("Not a whole number."),
    "number": lazy_gettext("Not a number."),
    "datetime": lazy_gettext("Not a valid date and time: type e.g. 2024-05-20 10:30 or 2024/5/20."),
    "date": lazy_gettext("Not a valid date: type e.g. 2024-05-20 or 2024/5/20."),
    "boolean": lazy_gettext("Not a yes/no value."),
    "relation": lazy_gettext("Not a valid reference."),
    "unknown": lazy_gettext("Unknown field."),
    "version": lazy_gettext(
        "Send the version this edit is based on (the record's version when you read it)."
    ),
    # Segment rules (graph.segments.rules.InvalidRule); %(what)s names a rule field.
    "rule_text": lazy_gettext("%(what)s: give a non-empty text"),
    "rule_count": lazy_gettext("%(what)s: give 1 to %(max)s values"),
    "rule_choice": lazy_gettext("%(what)s: %(value)s is not one of %(allowed)s"),
    "rule_at_least": lazy_gettext("%(what)s: give a whole number of at least %(low)s"),
    "rule_range": lazy_gettext("%(what)s: give a whole number from %(low)s to %(high)s"),
    "rule_number": lazy_gettext("%(what)s: give a number"),
    "rule_date": lazy_gettext("%(what)s: %(value)s is not a date (YYYY-MM-DD)"),
    "rule_dates": lazy_gettext(
        '%(what)s: give {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"} (either may be left out)'
    ),
    "rule_dates_empty": lazy_gettext("%(what)s: give at least one date"),
    "rule_dates_order": lazy_gettext("%(what)s: the start date is after the end date"),
    "rule_no_value": lazy_gettext("%(what)s takes no value"),
    "rule_chain": lazy_gettext('%(what)s: give {"customer": "<uid>", "hops": 1-%(max)s}'),
    "rule_object": lazy_gettext('a rule is an object {"field": …, "op": …, "value": …}'),
    "rule_field": lazy_gettext("unknown rule field %(field)s; expected one of %(known)s"),
    "rule_operator": lazy_gettext("%(what)s: unknown operator %(op)s; expected one of %(known)s"),
    "rules_json": lazy_gettext("rules are not valid JSON"),
    "rules_empty": lazy_gettext("give at least one rule"),
    "rules_too_many": lazy_gettext("at most %(max)s rules"),
    "segment_object": lazy_gettext("send a JSON object"),
    "segment_keys": lazy_gettext("unknown keys %(keys)s"),
    "segment_name": lazy_gettext("name: 1 to %(max)s characters required"),
    "segment_description": lazy_gettext("description: at most %(max)s characters"),
    # Values the analyses, explorers and console refuse (graph.errors.InvalidValue).
    "depth": lazy_gettext("The depth must be a whole number from 1 to %(max)s."),
    "decay": lazy_gettext("The decay must be a number between 0 and 1."),
    "referral_start": lazy_gettext("A referral network starts at one of %(labels)s."),
    "types": lazy_gettext("Unknown relationship type. Known types: %(known)s"),
    "params_object": lazy_gettext('Parameters must be a JSON object, e.g. {"name": "value"}'),
    "param_name": lazy_gettext("Parameter name %(name)s is not a plain identifier."),
    "param_finite": lazy_gettext("Parameter %(name)s: numbers must be finite."),
    "param_value": lazy_gettext("Parameter %(name)s is not a JSON value."),
    "query_empty": lazy_gettext("The query is empty."),
    "load_csv": lazy_gettext("LOAD CSV is not allowed in the console."),
    "unique_key": lazy_gettext(
        "%(field)s must be non-blank, without leading or trailing spaces, and at most "
        "%(max)s bytes."
    ),
    "invalid_value": lazy_gettext("Not saved: a value is not allowed."),
    # The pipeline board's filters and paging (graph.records.pipeline).
    "pipeline_filter": lazy_gettext(
        "A filter value must be a text of at most %(max)s characters, without NUL."
    ),
    "pipeline_move": lazy_gettext(
        'Send {"stage": …, "version": …}: the new stage and the version the card showed.'
    ),
    "pipeline_stage": lazy_gettext("The stage must be one of: %(stages)s."),
    "pipeline_page": lazy_gettext(
        "skip must be a whole number from 0, and limit one from 1 to %(max)s."
    ),
    # Imports (graph.io.imports): per-row errors and refusals.
    "required_column": lazy_gettext("%(field)s is required: map a column to it."),
    "import_not_found": lazy_gettext("Not found: %(name)s."),
    "import_not_found_named": lazy_gettext("There is no %(what)s called %(name)s."),
    "import_ambiguous": lazy_gettext("%(count)s records are called %(name)s: give its ID."),
    "import_not_visible": lazy_gettext("That customer is not one of yours."),
    "import_owner_not_in_team": lazy_gettext(
        "You may give customers only to yourself or to your team: leave the owner blank to "
        "take them yourself."
    ),
    "import_unknown_id": lazy_gettext(
        "No record you may see has the ID %(uid)s: correct it, or clear it to import the row "
        "as a new record."
    ),
    "import_referral_self": lazy_gettext("A customer cannot refer itself."),
    "import_referrer_kind": lazy_gettext(
        "Write the referrer type as Customer, Contact or Referrer."
    ),
    "import_changed_meanwhile": lazy_gettext(
        "Someone changed this record during the import: it was not updated."
    ),
    "import_changed_since_export": lazy_gettext(
        "Not updated: %(by)s changed this record at %(at)s, after your export. Export it "
        "again, or clear the Version cell to overwrite that change."
    ),
    "import_changed_since_export_unknown": lazy_gettext(
        "Not updated: this record was changed after your export. Export it again, or clear "
        "the Version cell to overwrite that change."
    ),
    "import_changed_after_preview": lazy_gettext(
        "Not updated: %(by)s changed this record at %(at)s, after your preview. Import this "
        "row again to overwrite that change."
    ),
    "import_changed_after_preview_unknown": lazy_gettext(
        "Not updated: this record was changed at %(at)s, after your preview. Import this row "
        "again to overwrite that change."
    ),
    "import_mapping": lazy_gettext(
        "The column mapping is not valid: it maps each column header to a field or to nothing."
    ),
    "import_mapping_target": lazy_gettext(
        "The column mapping names a field this import type does not have: %(target)s."
    ),
    "import_mapping_values": lazy_gettext(
        "The column mapping's value lists are not valid: each value written in the file maps "
        "to a text."
    ),
    "import_unknown_type": lazy_gettext(
        "There is no import type %(type)s: choose one of %(types)s."
    ),
    "import_mapping_type": lazy_gettext("This column mapping is for another import type."),
    "import_not_allowed": lazy_gettext(
        "You may not add %(type)s by hand, so you may not import them either."
    ),
    "import_no_update": lazy_gettext(
        "You may not edit %(type)s, so an import cannot update them for you: choose “skip” or "
        "“create anyway” for duplicates."
    ),
    "import_no_contacts": lazy_gettext(
        "You may not add contacts: leave the contact columns unmapped to import the customers."
    ),
    "import_mapping_untyped": lazy_gettext(
        "The column mapping does not say which import type it is for (its “type”)."
    ),
    "import_mapping_unknown_type": lazy_gettext(
        "The column mapping is for an import type that does not exist: %(type)s."
    ),
    "import_mapping_twice": lazy_gettext(
        "Columns %(headers)s all fill the field %(target)s: map each field from one column only."
    ),
    "import_mapping_values_field": lazy_gettext(
        "The column mapping gives values to %(target)s, which is not a field with choices."
    ),
    "import_mapping_choice": lazy_gettext(
        "The column mapping turns %(value)s into %(choice)s, which is not a choice of "
        "%(target)s (%(choices)s)."
    ),
    "import_mapping_name": lazy_gettext("A mapping name has 1 to %(max)s characters."),
    "import_decision": lazy_gettext("For duplicates choose one of: %(choices)s."),
    "import_batch_size": lazy_gettext("The batch size is a whole number from 1 to 50,000."),
    "import_not_resumable": lazy_gettext("This import cannot be resumed: it is %(state)s."),
    "import_file_gone": lazy_gettext(
        "The file of this import is no longer kept: upload it again to import the rest."
    ),
    "import_busy": lazy_gettext(
        "This file is being imported already (import %(import_id)s): resume or undo that "
        "import first."
    ),
    "import_unreadable": lazy_gettext("The file cannot be read: %(detail)s"),
    # Why a file cannot be read (graph.io.imports.readers.UnreadableFile), said after it.
    "import_unreadable_file": lazy_gettext("it is not a CSV or Excel file."),
    "import_unreadable_workbook": lazy_gettext("it is not an Excel workbook that can be opened."),
    "import_unreadable_sheet": lazy_gettext("it has no sheet %(sheet)s (sheets: %(sheets)s)."),
    "import_unreadable_header": lazy_gettext("no row of column names was found."),
    "import_unreadable_encoding": lazy_gettext("the text is neither UTF-8 nor GB18030/GBK."),
    "import_unreadable_text": lazy_gettext("not all of it is %(encoding)s text."),
    "import_unreadable_csv": lazy_gettext("it is not a valid CSV file."),
    "unclosed_quote": lazy_gettext(
        'A quotation mark (") on this line is not closed properly, so the line was not read: '
        "remove it or close it."
    ),
    "too_many_cells": lazy_gettext(
        "This line has more cells than the file has columns, so its values would land in the "
        "wrong columns: put a cell that holds the separator in quotes."
    ),
    "import_undone": lazy_gettext("This import has been undone already."),
    "import_undoing": lazy_gettext("This import is being undone already."),
    "import_no_failing_rows": lazy_gettext("This import has no failing rows."),
    "import_no_rows": lazy_gettext(
        "The file has no rows under its column names: there is nothing to import."
    ),
    "import_at_cell": lazy_gettext("Line %(line)s, column %(column)s: %(message)s"),
    "import_at_line": lazy_gettext("Line %(line)s: %(message)s"),
    # Domain errors (graph.errors) by class key, where one message fits every screen.
    "unavailable": lazy_gettext("The customer database is restarting. Try again in a few seconds."),
    "duplicate": lazy_gettext("Not saved: a record with the same unique value already exists."),
    "not_found": lazy_gettext("This record no longer exists."),
    "stale": lazy_gettext(
        "Not saved: someone else changed this record after the version you sent. Load it again."
    ),
    "key_reused": lazy_gettext(
        "Not saved: this Idempotency-Key was already used for a different request."
    ),
    "write_refused": lazy_gettext(
        "Read-only console: writes are refused (CREATE, MERGE, SET, DELETE, REMOVE and write "
        "procedures). Nothing was changed."
    ),
}
# What any other error says.
FALLBACK = lazy_gettext("Something went wrong")


def is_chinese() -> bool:
    """True when the current request is served in Chinese."""
    if not has_request_context():
        return False
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def message_text(key: str, params: dict[str, Any] | None = None) -> str:
    """The message ``key`` filled in with ``params``, in the request's language (English
    outside a request); an unknown key as the general fallback. A parameter given in both
    languages (``field`` and ``field_zh``: declared labels, which are data, not catalogue
    entries) is said in Chinese as its ``_zh`` twin."""
    text = str(MESSAGES.get(key, FALLBACK))
    if not params:
        return text
    if is_chinese():
        params = {name: params.get(f"{name}_zh", value) for name, value in params.items()}
    return text % params


def unreadable_text(key: str, params: dict[str, Any]) -> str:
    """Why an import file cannot be read, in the request's language (``key`` and ``params``
    of ``graph.io.imports.readers.UnreadableFile``)."""
    return message_text("import_unreadable", {"detail": message_text(key, params)})


def error_text(error: GraphCRMError) -> str:
    """What a person is told about ``error``, in the request's language."""
    return message_text(error.key, error.params)
