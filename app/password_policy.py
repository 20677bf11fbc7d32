"""The password policy for database accounts: at least 10 characters, letters and digits.

FAB applies it (``FAB_PASSWORD_COMPLEXITY_VALIDATOR``) to the add-user and reset-password
forms and to its security REST API; ``graphcrm init`` applies it to ``--admin-password``.
"""

from __future__ import annotations

import secrets
import string

from flask_appbuilder.exceptions import PasswordComplexityValidationError

from views.labels import is_chinese

MIN_LENGTH = 10
MESSAGE_EN = f"Passwords need at least {MIN_LENGTH} characters, including letters and digits."
MESSAGE_ZH = f"密码至少需要 {MIN_LENGTH} 个字符，且须同时包含字母和数字。"


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
        raise PasswordComplexityValidationError(MESSAGE_ZH if is_chinese() else MESSAGE_EN)


def generate_password(length: int = 16) -> str:
    """A random password that meets the policy (for accounts created without one)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(max(length, MIN_LENGTH)))
        if is_acceptable(password):
            return password
