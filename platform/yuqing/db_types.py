"""Column types shared by every domain."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend.

    SQLite forgets time zones, so values are stored as naive UTC and handed back aware; a naive
    value is refused on the way in because nobody could tell which clock it came from.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


#: JSON that PostgreSQL stores as JSONB and SQLite as text.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
