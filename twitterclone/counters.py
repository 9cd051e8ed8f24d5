"""Rebuild a denormalised counter column from the rows it counts, in one set-based statement."""

from django.db import connection


def counter_rebuild(*, table: str, column: str, source_sql: str, dry_run: bool) -> int:
    """Set `table.column` to the counts from `source_sql` (rows `id, n`); return rows off.

    `table`, `column` and `source_sql` come from code, never from user input.
    """
    drift = f"""
        SELECT t.id, COALESCE(src.n, 0) AS n
        FROM {table} t LEFT JOIN ({source_sql}) src ON src.id = t.id
        WHERE t.{column} <> COALESCE(src.n, 0)
    """
    with connection.cursor() as cursor:
        if dry_run:
            cursor.execute(f"SELECT count(*) FROM ({drift}) drift")
            return cursor.fetchone()[0]
        cursor.execute(
            f"WITH drift AS ({drift}) UPDATE {table} t SET {column} = drift.n "
            "FROM drift WHERE t.id = drift.id"
        )
        return cursor.rowcount
