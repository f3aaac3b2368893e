"""Tokens at rest: every installation record is stored Fernet-encrypted with SLACK_TOKEN_KEY.

Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` package) authenticates as well as
encrypts, so a record changed in the store, or read with another key, fails loudly instead of
yielding a wrong token.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["TokenCipher", "TokenKeyError", "new_key"]


class TokenKeyError(ValueError):
    """SLACK_TOKEN_KEY is missing or is not a Fernet key; the message says how to make one."""


def new_key() -> str:
    """A fresh key to put in SLACK_TOKEN_KEY."""
    return Fernet.generate_key().decode()


_HOW = ('make one with `python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"` and keep it secret: losing it means reinstalling '
        "the app in every workspace")


class TokenCipher:
    """Encrypts and decrypts installation records."""

    def __init__(self, key: str | None) -> None:
        if not key:
            raise TokenKeyError(f"SLACK_TOKEN_KEY is not set: tokens are stored encrypted; {_HOW}.")
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise TokenKeyError(f"SLACK_TOKEN_KEY is not a valid Fernet key (32 url-safe base64 "
                                f"bytes); {_HOW}.") from exc

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        """The plain text; raises TokenKeyError when the key does not match."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise TokenKeyError("an installation record does not decrypt with SLACK_TOKEN_KEY: the key "
                                "changed since the app was installed. Put the old key back, or "
                                "reinstall the app through /slack/install.") from exc
