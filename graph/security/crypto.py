"""Field-level encryption of personal data: AES-256-GCM values and keyed blind indexes.

A stored value reads ``enc:v1:<key id>:<base64url(nonce | ciphertext | tag)>``: a random
96-bit nonce per value, and the node label plus property name as associated data, so a
value copied into another field (or another node type) fails to decrypt. The key id tells
a rotation which values still need re-encrypting and lets old keys keep reading during it.

A blind index is an HMAC-SHA256 of the *normalised* value (E.164 phone, lower-case
e-mail, folded text), truncated to 128 bits: equal values give equal indexes, so exact
search and duplicate checks work without decrypting. A phone also gets a keyed index of
its last four digits (``suffix_index``), so that "ends in 5678" can be searched while the
number stays encrypted. Encryption, the two indexes and the key id use separate keys derived
by HKDF from one 32-byte master key (``FIELD_ENCRYPTION_KEY``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from graph.errors import ConfigError, UnreadableValue
from graph.model.kinds import FIELD_KINDS

KEY_BYTES = 32
NONCE_BYTES = 12
INDEX_BYTES = 16
SUFFIX_DIGITS = 4  # a phone's suffix index covers its last four digits
SEALED = "enc:"  # every encrypted value starts so; anything else is legacy plaintext
VERSION = "v1"


def generate_key() -> str:
    """A fresh master key: 32 random bytes, URL-safe base64 (the ``FIELD_ENCRYPTION_KEY`` form)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def parse_key(text: str, setting: str = "FIELD_ENCRYPTION_KEY") -> bytes:
    """The 32 key bytes of a URL-safe base64 key; ``ConfigError`` naming ``setting`` if bad."""
    cleaned = (text or "").strip()
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ConfigError(
            f"{setting} must be 32 random bytes in URL-safe base64 (44 characters); "
            "generate one with 'graphcrm keys generate'"
        )
    return raw


def parse_keys(text: str | None, setting: str = "FIELD_ENCRYPTION_OLD_KEYS") -> list[bytes]:
    """Keys separated by commas or whitespace (an empty setting is no keys)."""
    return [parse_key(item, setting) for item in re.split(r"[,\s]+", text or "") if item]


def normalise(value: str, kind: str, phone_region: str = "CN") -> str:
    """The form of a value that its blind index covers: what "the same value" means for a
    property of field kind ``kind`` (``graph.model.kinds``: phones become E.164, e-mails
    are trimmed and lower-cased, other text is trimmed, folded and case-folded)."""
    return FIELD_KINDS[kind].match_key(value, phone_region)


_URLSAFE = bytes.maketrans(b"+/", b"-_")
_NON_DIGITS = re.compile(r"[^0-9]")
_BLOCK_BYTES = 64  # SHA-256's block size
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))  # RFC 2104's ipad, as a translation
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))  # and its opad


def _urlsafe(raw: bytes) -> str:
    """``raw`` in URL-safe base64 without padding (``base64.urlsafe_b64encode``'s text)."""
    return binascii.b2a_base64(raw, newline=False).translate(_URLSAFE).decode().rstrip("=")


class KeyedIndex:
    """HMAC-SHA256 under one key (RFC 2104), truncated to 128 bits, in URL-safe base64.

    The key's inner and outer hash states are computed once; each value then costs two
    copies of them instead of the whole key setup that ``hmac.digest`` repeats per call.
    The bytes are HMAC's (tests compare them with ``hmac.digest``)."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK_BYTES:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK_BYTES, b"\0")
        self._inner = hashlib.sha256(key.translate(_INNER_PAD))
        self._outer = hashlib.sha256(key.translate(_OUTER_PAD))

    def __call__(self, text: str) -> str:
        """The index of ``text`` (its UTF-8 bytes)."""
        inner = self._inner.copy()
        inner.update(text.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return _urlsafe(outer.digest()[:INDEX_BYTES])


def _derive(master: bytes, purpose: bytes, length: int = KEY_BYTES) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=b"graphcrm " + purpose)
    return hkdf.derive(master)


@dataclass(frozen=True)
class FieldKey:
    """One master key and the keys derived from it."""

    id: str
    aead: AESGCM
    index: KeyedIndex
    # Four digits have 10,000 values: each one's index is computed once.
    suffix: Callable[[str], str]

    @classmethod
    def from_bytes(cls, master: bytes) -> FieldKey:
        """Derive the encryption key, the two index keys and a public key id."""
        return cls(
            id=_derive(master, b"key id", 4).hex(),
            aead=AESGCM(_derive(master, b"field encryption")),
            index=KeyedIndex(_derive(master, b"blind index")),
            suffix=lru_cache(maxsize=10**SUFFIX_DIGITS)(
                KeyedIndex(_derive(master, b"phone suffix index"))
            ),
        )


class FieldCipher:
    """Encrypts new values under the current key; reads values of the current or old keys."""

    def __init__(
        self, key: bytes, old_keys: Iterable[bytes] = (), *, phone_region: str = "CN"
    ) -> None:
        self.current = FieldKey.from_bytes(key)
        self.keys = {self.current.id: self.current}
        for old in old_keys:
            derived = FieldKey.from_bytes(old)
            self.keys.setdefault(derived.id, derived)
        self.phone_region = phone_region
        self.prefix = f"{SEALED}{VERSION}:{self.current.id}:"

    @classmethod
    def from_settings(
        cls, key: str, old_keys: str | None = None, phone_region: str = "CN"
    ) -> FieldCipher:
        """A cipher from ``FIELD_ENCRYPTION_KEY`` and ``FIELD_ENCRYPTION_OLD_KEYS`` text."""
        return cls(parse_key(key), parse_keys(old_keys), phone_region=phone_region)

    def rotated_to(self, key: bytes) -> FieldCipher:
        """A cipher writing under ``key`` that still reads everything this one reads."""
        cipher = FieldCipher(key, phone_region=self.phone_region)
        for key_id, derived in self.keys.items():
            cipher.keys.setdefault(key_id, derived)
        return cipher

    @property
    def key_id(self) -> str:
        """The id of the key new values are encrypted under."""
        return self.current.id

    def encrypt(self, label: str, name: str, value: str) -> str:
        """``value`` of ``label.name`` sealed under the current key."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.current.aead.encrypt(nonce, value.encode(), f"{label}.{name}".encode())
        return self.prefix + _urlsafe(nonce + sealed)

    def decrypt(self, label: str, name: str, value: str) -> str:
        """The plaintext of a sealed value of ``label.name``; plaintext is returned as is.

        Plaintext passes through so that data written before encryption (or by a tool
        without the key) stays readable until ``graphcrm keys rotate`` seals it.
        """
        if not value.startswith(SEALED):
            return value
        _, version, key_id, blob = (value.split(":", 3) + ["", "", ""])[:4]
        key = self.keys.get(key_id)
        if version != VERSION or key is None:
            raise UnreadableValue(
                f"{label}.{name} is encrypted under key {key_id!r}, which is neither "
                "FIELD_ENCRYPTION_KEY nor in FIELD_ENCRYPTION_OLD_KEYS"
            )
        try:
            raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
            plain = key.aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{label}.{name}".encode()
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise UnreadableValue(
                f"{label}.{name} does not decrypt under key {key_id!r}: the stored value was "
                "altered or moved from another field"
            ) from None
        return plain.decode()

    def is_current(self, value: str) -> bool:
        """True when ``value`` is sealed under the current key (nothing for a rotation to do)."""
        return value.startswith(self.prefix)

    def blind_index(self, value: str, kind: str = "string") -> str:
        """The current key's blind index of ``value`` (a ``kind`` phone, email or other)."""
        return self.current.index(normalise(value, kind, self.phone_region))

    def blind_indexes(self, value: str, kind: str = "string") -> list[str]:
        """The blind index under every configured key, current first: exact search keeps
        finding records that a rotation in progress has not reached yet."""
        normalised = normalise(value, kind, self.phone_region)
        return [key.index(normalised) for key in self.keys.values()]

    def suffix_index(self, phone: str) -> str | None:
        """The current key's index of a phone's last four digits (None: fewer digits)."""
        suffix = phone_suffix(normalise(phone, "phone", self.phone_region))
        return self.current.suffix(suffix) if suffix else None

    def suffix_indexes(self, digits: str) -> list[str]:
        """The suffix index of four typed ``digits`` under every configured key, current
        first (empty unless ``digits`` is exactly four digits)."""
        if len(digits) != SUFFIX_DIGITS or not (digits.isascii() and digits.isdigit()):
            return []
        return [key.suffix(digits) for key in self.keys.values()]


def phone_suffix(normalised: str) -> str:
    """The last four digits of a normalised phone ("" when it has fewer), its extension
    (``;ext=8``) left out."""
    if ";" in normalised:
        normalised = normalised.partition(";")[0]
    tail = normalised[-SUFFIX_DIGITS:]
    if len(tail) == SUFFIX_DIGITS and tail.isascii() and tail.isdigit():
        return tail  # ends in four digits (as E.164 does): no need to strip the rest
    digits = _NON_DIGITS.sub("", normalised)
    return digits[-SUFFIX_DIGITS:] if len(digits) >= SUFFIX_DIGITS else ""
