"""Messages our catalogue translates that no gettext call of ours names literally, listed so
that ``make translations`` (``pybabel extract``) keeps them:

- Flask-AppBuilder's own strings that its Chinese catalogue lacks;
- node-type names the home page's record counts pass through ``_()`` (with the labels
  that are not declared node types: ``Change``, ``Segment``);
- history actions (``_(entry.action)`` in graphcrm/history.html);
- the console starters' descriptions (the header line of cypher/console_starter_*.cypher).
"""


def N_(text: str) -> str:  # noqa: N802 (gettext's conventional no-op marker)
    """Mark ``text`` for the catalogue without translating it here."""
    return text


FLASK_APPBUILDER = (
    N_("Add"),
    N_("Add Group"),
    N_("Database Error"),
    N_("Edit"),
    N_("Edit Group"),
    N_("Edit User Information"),
    N_("Either select a role or a group"),
    N_("List Groups"),
    N_("It's not a good policy to remove a user, just make it inactive"),
    N_("Show Group"),
    N_("The user's password for authentication"),
    N_("User information changed"),
    N_("User(s) exists in the group, cannot delete"),
    N_("User(s) exists in the role, cannot delete"),
)
# marshmallow's fixed messages (the API's request schemas); those with values in them are
# views.labels.MARSHMALLOW_MESSAGES.
MARSHMALLOW = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid mapping type."),
    N_("Not a valid list."),
    N_("Invalid input type."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Not a valid email address."),
    N_("Unknown field."),
)
RECORD_COUNTS = (
    N_("Customer"),
    N_("Contact"),
    N_("Referrer"),
    N_("Channel"),
    N_("Tag"),
    N_("User"),
    N_("FollowUp"),
    N_("Order"),
    N_("Ticket"),
    N_("Segment"),
    N_("Change"),
    N_("Consent"),
)
HISTORY_ACTIONS = (N_("create"), N_("update"), N_("delete"))
CONSOLE_STARTERS = (
    N_("the number of customers per acquisition channel and stage"),
    N_("up to 100 referral paths (who referred which customer), to see as a graph"),
    N_("customers with no follow-up since $since (e.g. 90 days ago), longest silent first"),
    N_(
        "the top 20 referrers (customers, contacts or external referrers) by number of "
        "customers they referred"
    ),
)
