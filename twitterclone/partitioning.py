"""Turn a plain table into a hash-partitioned one (and back) in a migration, keeping its data.

Django has no partitioning API, so the migrations that partition `home_timeline` and
`notifications` run these functions through `RunPython` (the models' state is unchanged:
the table keeps its name, columns, index and constraint names). PostgreSQL 15 declarative
partitioning, `PARTITION BY HASH (key)`, `count` partitions named `<table>_p<NN>`.

The swap, in the migration's transaction (the table is locked for writes throughout):

1. read the table's constraints (primary key, unique, foreign keys) and plain indexes;
2. `CREATE TABLE <table>__swap (LIKE <table> INCLUDING DEFAULTS, IDENTITY, CONSTRAINTS...)`,
   partitioned (or plain, going back), and its partitions;
3. `INSERT INTO <table>__swap SELECT * FROM <table>`, then carry the identity sequence's
   position over, so ids continue where they were;
4. drop the old table, rename the new one (and its sequence) to the old names;
5. recreate the primary key (with the partition key put in front when it lacked it), the
   unique constraints, foreign keys and indexes under their old names, after the load
   (one sorted build each rather than row-by-row maintenance), then ANALYZE.

PostgreSQL requires every primary key and unique constraint of a partitioned table to include
the partition key: a unique constraint without it is refused here with its name (change the
model first), a primary key without it gets the key prepended (the caller says so, see
`partition_by_hash(..., primary_key=...)`). Foreign keys pointing AT the table are refused:
they would need a unique index on the referenced columns alone, which a partitioned table
cannot have.
"""

PARTITION_SUFFIX = "_p"
# The swap rebuilds every index of the table: sort in memory where it fits (this transaction).
BUILD_MEMORY = "512MB"


def _fetch(cursor, sql: str, params=None) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _parts(cursor, table: str) -> dict:
    """Return what the swap must carry over: constraints, indexes and the identity sequence."""
    incoming = _fetch(
        cursor,
        "SELECT conname, conrelid::regclass::text FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f' AND conparentid = 0",
        [table],
    )
    if incoming:
        raise ValueError(f"{table}: foreign keys point at it, cannot partition: {incoming}")
    constraints = _fetch(
        cursor,
        # Partitions' copies of a parent's constraint have conparentid set: skip them.
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'x') AND conparentid = 0 "
        "ORDER BY contype = 'p' DESC, conname",
        [table],
    )
    indexes = _fetch(
        cursor,
        # Indexes behind no constraint; a partitioned parent's definition says "ON ONLY".
        "SELECT c.relname, replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
        "                AND k.conrelid = i.indrelid) "
        "ORDER BY c.relname",
        [table],
    )
    sequences = _fetch(
        cursor,
        "SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_get_serial_sequence(%s, a.attname) IS NOT NULL",
        [table, table, table],
    )
    return {"constraints": constraints, "indexes": indexes, "sequences": sequences}


def _swap(cursor, table: str, *, partition_by: str, partition_ddl: list[str], primary_key) -> None:
    """Copy `table` into a new table created with `partition_by` and swap the two."""
    cursor.execute(f"LOCK TABLE {_quote(table)} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
    parts = _parts(cursor, table)
    new = f"{table}__swap"
    cursor.execute(
        f"CREATE TABLE {_quote(new)} (LIKE {_quote(table)} INCLUDING DEFAULTS INCLUDING "
        "IDENTITY INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE "
        f"INCLUDING COMMENTS) {partition_by}"
    )
    for statement in partition_ddl:
        cursor.execute(statement.format(parent=_quote(new)))
    cursor.execute(
        f"INSERT INTO {_quote(new)} OVERRIDING SYSTEM VALUE SELECT * FROM {_quote(table)}"
    )
    positions = []
    for column, sequence in parts["sequences"]:
        (position,) = _fetch(cursor, f"SELECT last_value, is_called FROM {sequence}")
        positions.append((column, sequence, position))
    cursor.execute(f"DROP TABLE {_quote(table)}")
    cursor.execute(f"ALTER TABLE {_quote(new)} RENAME TO {_quote(table)}")
    for column, old_sequence, (last_value, is_called) in positions:
        (current,) = _fetch(cursor, "SELECT pg_get_serial_sequence(%s, %s)", [table, column])[0]
        cursor.execute(f"ALTER SEQUENCE {current} RENAME TO {_quote(old_sequence.split('.')[-1])}")
        cursor.execute("SELECT setval(%s, %s, %s)", [old_sequence, last_value, is_called])
    for name, kind, definition in parts["constraints"]:
        if kind == "p":
            definition = f"PRIMARY KEY ({', '.join(primary_key)})"
        cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
    for _name, definition in parts["indexes"]:
        cursor.execute(definition)
    cursor.execute(f"ANALYZE {_quote(table)}")


def _primary_key(cursor, table: str) -> list[str]:
    rows = _fetch(
        cursor,
        "SELECT a.attname FROM pg_constraint c "
        "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, position) "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'p' ORDER BY k.position",
        [table],
    )
    return [name for (name,) in rows]


def is_partitioned(cursor, table: str) -> bool:
    rows = _fetch(cursor, "SELECT relkind FROM pg_class WHERE oid = %s::regclass", [table])
    return rows[0][0] == "p"


def partition_by_hash(cursor, table: str, *, key: str, count: int) -> None:
    """Make `table` a hash-partitioned table on `key` with `count` partitions, data kept.

    A primary key without `key` becomes (key, its columns); a unique constraint without
    `key` is an error (PostgreSQL could not enforce it across partitions).
    """
    if not 1 <= count <= 1024:
        raise ValueError(f"{table}: partition count must be 1..1024, got {count}")
    if is_partitioned(cursor, table):
        return
    unique = _fetch(
        cursor,
        "SELECT c.conname FROM pg_constraint c WHERE c.conrelid = %s::regclass "
        "AND c.contype IN ('u', 'x') AND NOT EXISTS ("
        "  SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attname = %s "
        "  AND a.attnum = ANY (c.conkey))",
        [table, key],
    )
    if unique:
        raise ValueError(f"{table}: unique constraints without {key}: {[n for (n,) in unique]}")
    primary_key = _primary_key(cursor, table)
    if key not in primary_key:
        primary_key = [key, *primary_key]
    width = len(str(count - 1))
    partitions = [
        f"CREATE TABLE {_quote(f'{table}{PARTITION_SUFFIX}{i:0{width}d}')} PARTITION OF "
        f"{{parent}} FOR VALUES WITH (MODULUS {count}, REMAINDER {i})"
        for i in range(count)
    ]
    _swap(
        cursor,
        table,
        partition_by=f"PARTITION BY HASH ({_quote(key)})",
        partition_ddl=partitions,
        primary_key=[_quote(column) for column in primary_key],
    )


def unpartition(cursor, table: str, *, primary_key: list[str]) -> None:
    """Make a partitioned `table` a plain one again (the reverse migration), data kept."""
    if not is_partitioned(cursor, table):
        return
    _swap(
        cursor,
        table,
        partition_by="",
        partition_ddl=[],
        primary_key=[_quote(column) for column in primary_key],
    )
