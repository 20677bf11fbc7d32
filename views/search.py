"""Global search: ``GET /api/v1/search/?q=`` (``SearchApi``, permission ``can_search``),
behind the search box of the navigation bar (``app/templates/appbuilder/navbar.html``,
``app/static/graphcrm/search.js``).

Customers, contacts and referrers by name, pinyin, initials, id, phone (any format, or its
last four digits) and e-mail (``graph.records.search``), grouped by type, each with a link
to its page. Results follow the reader's row-level scope. A reader who sees personal data
masked is not searched by it: the answer names the fields left out with the same message
as a refused list filter. A permitted reader's search by personal data is audited (field
names only), as list filters are.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask_appbuilder.api import BaseApi, expose, safe
from flask_babel import lazy_gettext

from graph.errors import InvalidValue, QueryTimeout, StoreUnavailable
from graph.records.events import personal_data_searched
from graph.records.search import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY, SearchResult, search
from graph.records.search_keys import SEARCHED
from views.errors import UNAVAILABLE
from views.guard import guard
from views.input_guard import plain_text_q
from views.labels import bilingual
from views.scope import current_cipher, current_scope, current_store
from views.texts import masked_field_message

# What matched, as readers read it.
MATCHED = {
    "name": lazy_gettext("Name"),
    "pinyin": lazy_gettext("Pinyin"),
    "initials": lazy_gettext("Initials"),
    "id": lazy_gettext("ID"),
    "phone": lazy_gettext("Phone"),
    "phone_last4": lazy_gettext("Phone ends in"),
    "email": lazy_gettext("E-mail"),
}
TOO_LONG = lazy_gettext("A search is at most {max} characters.")
BAD_LIMIT = lazy_gettext("limit must be a whole number from 1 to {max}.")


def _limit() -> int | None:
    text = request.args.get("limit", str(DEFAULT_LIMIT))
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        return None
    return int(text)


def answer(result: SearchResult) -> dict[str, Any]:
    """The JSON body of a search result: groups by type, in the reader's language."""
    groups = []
    for model in SEARCHED:
        items = [
            {
                "uid": hit.uid,
                "title": hit.title,
                "matched": hit.matched,
                "matched_label": str(MATCHED[hit.matched]),
                "url": url_for(f"{hit.label}View.show", pk=hit.uid),
            }
            for hit in result.hits
            if hit.label == model.label
        ]
        if items:
            meta = model.meta
            label = str(bilingual(meta.en_plural, meta.zh_plural))
            groups.append({"type": model.label, "label": label, "items": items})
    notice = None
    if result.skipped:
        labels = {field: MATCHED[field] for field in result.skipped}
        notice = masked_field_message(labels, list(result.skipped))
    return {"groups": groups, "skipped": list(result.skipped), "notice": notice}


class SearchApi(BaseApi):
    """``GET /api/v1/search/?q=``."""

    resource_name = "search"
    openapi_spec_tag = "Search"

    @expose("/", methods=["GET"])
    @plain_text_q
    @guard("search")
    @safe
    def search(self) -> Response:
        """Find customers, contacts and referrers.
        ---
        get:
          description: >-
            Customers, contacts and referrers the reader may see, by name (start), Chinese
            names also by full pinyin (zhangwei) and initials (zw), by id (or its start),
            by phone in any format or its last 4 digits, and by e-mail (exactly). At most
            `limit` per type, grouped by type, best first. Readers who see personal data
            masked are not searched by it: `skipped` names those fields and `notice` says
            why. `q` is plain text (not rison).
          parameters:
          - in: query
            name: q
            required: true
            schema:
              type: string
              maxLength: 100
          - in: query
            name: limit
            schema:
              type: integer
              minimum: 1
              maximum: 50
              default: 8
          responses:
            200:
              description: Results grouped by type (Customer, Contact, Referrer)
              content:
                application/json:
                  schema:
                    type: object
                    required: [groups, skipped, notice]
                    properties:
                      groups:
                        type: array
                        items:
                          type: object
                          required: [type, label, items]
                          properties:
                            type:
                              type: string
                              enum: [Customer, Contact, Referrer]
                            label:
                              type: string
                            items:
                              type: array
                              items:
                                type: object
                                required: [uid, title, matched, matched_label, url]
                                properties:
                                  uid:
                                    type: string
                                  title:
                                    type: string
                                  matched:
                                    type: string
                                    enum: [name, pinyin, initials, id, phone, phone_last4, email]
                                  matched_label:
                                    type: string
                                  url:
                                    type: string
                      skipped:
                        type: array
                        items:
                          type: string
                          enum: [phone, phone_last4, email]
                      notice:
                        type: string
                        nullable: true
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        limit = _limit()
        if limit is None:
            return self.response_400(message=str(BAD_LIMIT).format(max=MAX_LIMIT))
        scope = current_scope()
        store = current_store()
        cipher = current_cipher()
        try:
            result = search(store, request.args.get("q", ""), scope, cipher, limit=limit)
        except InvalidValue:
            return self.response_400(message=str(TOO_LONG).format(max=MAX_QUERY))
        except (StoreUnavailable, QueryTimeout):
            return self.response(503, message=str(UNAVAILABLE))
        if result.personal:
            # One event per search (customers, contacts and referrers at once).
            personal_data_searched.send("search", fields=list(result.personal))
        return self.response(200, **answer(result))


def register(appbuilder: Any) -> None:
    """Add the search API (the navigation bar's box calls it)."""
    appbuilder.add_api(SearchApi)
