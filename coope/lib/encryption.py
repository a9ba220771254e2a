"""Fields encrypted at rest (family quotients, notes about a person, visit comments).

The values are encrypted with Fernet, as django-fernet-encrypted-fields does and with the same
keys (a value written by one reads with the other), derived from
settings.SALT_KEY (the ENCRYPTION_KEY environment variable, a list: newest first, to rotate) and
SECRET_KEY (and SECRET_KEY_FALLBACKS): keys outside the database, so a copy of the database
alone shows no note, comment or quotient. What these fields do that the library's do not:

- the empty string is stored as itself (the library stores NULL in a NOT NULL column), so
  `exclude(comment="")` and `update(comment="")` keep working; 0 is encrypted like any number;
- the keys are derived once per process for all fields, not once per field;
- a form's value is checked as typed, without the library's flag set on the shared field (not
  safe when two threads read and clean at once);
- a stored value that no key decrypts is an error that says so, never ciphertext shown as if it
  were the note, or a wrong number in a fee.

Values are not searchable nor orderable in SQL: whatever reads them (a fee from the quotient in
force) reads the rows and computes in Python.
"""

import base64
import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

TOKEN_START = "gAAAAA"  # noqa: S105 (every Fernet token, version 0x80 and a timestamp, begins so)


@functools.lru_cache(maxsize=4)
def _fernet(secret_keys: tuple[str, ...], salt_keys: tuple[str, ...]) -> MultiFernet:
    keys = []
    for secret_key in secret_keys:
        for salt_key in salt_keys:
            kdf = PBKDF2HMAC(
                algorithm=hashes.SHA256(), length=32, salt=salt_key.encode(), iterations=100_000
            )
            keys.append(Fernet(base64.urlsafe_b64encode(kdf.derive(secret_key.encode()))))
    return MultiFernet(keys)


def fernet() -> MultiFernet:
    """The keys in force: every (secret key, encryption key) pair; the first encrypts."""
    salt = settings.SALT_KEY if isinstance(settings.SALT_KEY, list) else [settings.SALT_KEY]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return _fernet(tuple(secrets), tuple(salt))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def revealed(value: Any) -> Any:
    """A value read from the audit log (or each side of a [before, after] pair), decrypted."""
    if isinstance(value, list):
        return [revealed(item) for item in value]
    return decrypt(value) if isinstance(value, str) else value


def decrypt(value: str) -> str:
    """The plaintext of a stored value; a value stored before encryption reads as itself."""
    if not value.startswith(TOKEN_START):
        return value
    try:
        return fernet().decrypt(value.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "Une donnée chiffrée ne se déchiffre avec aucune clé : ENCRYPTION_KEY ou SECRET_KEY "
            "a changé sans garder l'ancienne (ajoutez-la en fin de ENCRYPTION_KEY, ou dans "
            "SECRET_KEY_FALLBACKS)."
        ) from error


class EncryptedMixin(models.Field):  # type: ignore[type-arg]
    """Stored as text, whatever the field's own type (a token is text, longer than its value)."""

    encrypted_at_rest = True  # the audit log encrypts its values too (coope.core.audit.sealed)

    def get_internal_type(self) -> str:
        return "TextField"

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(self, models.IntegerField):
            value = int(value)
        return encrypt(str(value))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return value if prepared else self.get_prep_value(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return self.to_python(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = decrypt(value)
        return super().to_python(value)

    def clean(self, value: Any, model_instance: Any) -> Any:
        """The value as typed in a form, checked as the plain field would check it."""
        value = super().to_python(value)
        self.validate(value, model_instance)
        self.run_validators(value)
        return value


class EncryptedTextField(EncryptedMixin, models.TextField):  # type: ignore[type-arg]
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):  # type: ignore[type-arg]
    """Stored as text (a token is longer than its plaintext); `max_length` bounds the plaintext
    in forms and in `full_clean`."""


class EncryptedPositiveIntegerField(EncryptedMixin, models.IntegerField):  # type: ignore[type-arg]
    """A number from 0 to `max_value`, stored encrypted as text."""

    def __init__(self, *args: Any, max_value: int = 2_147_483_647, **kwargs: Any) -> None:
        self.max_value = max_value
        super().__init__(*args, **kwargs)

    @property
    def validators(self) -> list[Any]:
        """The plain field's, and the bounds (not the database's integer range: it is text)."""
        return [
            *self.default_validators,
            *self._validators,  # type: ignore[attr-defined]
            MinValueValidator(0),
            MaxValueValidator(self.max_value),
        ]

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.max_value != 2_147_483_647:
            kwargs["max_value"] = self.max_value
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"min_value": 0, "max_value": self.max_value, **kwargs})
