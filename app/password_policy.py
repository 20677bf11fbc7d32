"""The password policy for database accounts: at least 10 characters, letters and digits.

FAB applies it (``FAB_PASSWORD_COMPLEXITY_VALIDATOR``) to the add-user and reset-password
forms and to its security REST API; ``graphcrm init`` applies it to ``--admin-password``.
"""

from __future__ import annotations

import secrets
import string

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import lazy_gettext

MIN_LENGTH = 10
MESSAGE = lazy_gettext("Passwords need at least {min} characters, including letters and digits.")


def message() -> str:
    """The policy in the request's language (English outside a request)."""
    return str(MESSAGE).format(min=MIN_LENGTH)


def is_acceptable(password: str | None) -> bool:
    """True when ``password`` meets the policy."""
    text = password or ""
    return (
        len(text) >= MIN_LENGTH
        and any(char.isalpha() for char in text)
        and any(char.isdigit() for char in text)
    )


def check_password(password: str | None) -> None:
    """Raise ``PasswordComplexityValidationError`` (in the request's language) if too weak."""
    if not is_acceptable(password):
        raise PasswordComplexityValidationError(message())


def generate_password(length: int = 16) -> str:
    """A random password that meets the policy (for accounts created without one)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(max(length, MIN_LENGTH)))
        if is_acceptable(password):
            return password
