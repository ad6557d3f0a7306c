"""Column types of the mirror that hold the same values on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

# Hashes and addresses are stored as lower-case 0x-hex text: readable in any SQL console, same on every backend.
HASH = String(66)
ADDRESS = String(42)

_INT64_MAX = 2**63 - 1


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite too (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


_BIG = "uint:"


def sqlite_amount(value: int | None) -> int | str | None:
    """An amount as SQLite stores it: an integer, or beyond int64 a tagged decimal text.

    The tag matters: a NUMERIC column turns plain numeric-looking text into a lossy REAL, but keeps other text.
    """
    if value is None or value <= _INT64_MAX:
        return value
    return _BIG + str(value)


class Amount(TypeDecorator[int]):
    """Money in minor units, exact up to uint96: NUMERIC(38) on PostgreSQL; see sqlite_amount for SQLite."""

    impl = Numeric(38, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # On SQLite, no Decimal conversion: values come back as the int or tagged text sqlite_amount stored.
        return dialect.type_descriptor(BigInteger() if dialect.name == "sqlite" else Numeric(38, 0))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        return sqlite_amount(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, str) and value.startswith(_BIG):
            return int(value[len(_BIG) :])
        return int(value)
