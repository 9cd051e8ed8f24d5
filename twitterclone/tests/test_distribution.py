"""Citus on paper, checked: every table is classified, and distributed tables keep the rule.

Citus (docs/scaling.md "Citus") hash-distributes a table by one column and can enforce a
primary key or a unique constraint or index only when it contains that column. This test
reads PostgreSQL's catalog of the migrated test database:

- every table of the project (Django's and third-party apps' too; partitions aside) is in
  exactly one of DISTRIBUTED (table -> distribution column), REFERENCE (copied to every
  node) or LOCAL (stays on the coordinator), so a new table fails here until classified;
- every primary key, unique constraint and unique index of a distributed table contains its
  distribution column as a plain column, except those named in EXCEPTIONS with the change
  the move to Citus needs; an exception that no longer applies fails too, so the list
  stays exact;
- a table already hash-partitioned here is partitioned by its distribution column.
"""

import pytest
from django.db import connection

# Colocated by user id: one user's rows of every table live on the same shard.
DISTRIBUTED = {
    "users": "id",
    # The dual follow tables: each answers its own question on one shard.
    "user_follows": "follower_id",  # whom does X follow
    "user_followers": "user_id",  # who follows X (fan-out reads this)
    "follow_requests": "target_id",  # X's pending requests
    "blocks": "blocker_id",
    "mutes": "muter_id",
    "muted_words": "user_id",
    "suggestion_dismissals": "user_id",
    "tweets": "user_id",  # the author: profile pages and the pull on read are one shard
    "likes": "user_id",  # the liker: "has X liked" on a page of tweets is one shard
    "bookmarks": "user_id",
    "uploads": "owner_id",
    "home_timelines": "owner_id",
    "home_timeline": "owner_id",
    "notifications": "recipient_id",
    "notification_settings": "user_id",
    "mastodon_markers": "user_id",  # a Mastodon client's read positions, by (user, timeline)
    "users_groups": "user_id",
    "users_user_permissions": "user_id",
    # Looked up by the hash of the presented token on every API request: one shard.
    "api_tokens": "key_hash",
}

# Small, read everywhere, rarely written: one copy on every node.
REFERENCE = {
    "timeline_pulled_authors": "joined by every home read on the reader's shard",
    "django_content_type": "Django's registry of models; joined by permission checks",
    "auth_permission": "Django's permissions; joined by permission checks",
    "auth_group": "staff groups, a handful of rows",
    "auth_group_permissions": "staff groups' permissions, a handful of rows",
}

# Stay on the coordinator (Citus local tables): low volume, never joined with user data on
# a worker, or a queue or log that wants one sequence.
LOCAL = {
    "django_migrations": "migration history",
    "django_session": "sessions (production keeps them in the cache)",
    "django_admin_log": "staff actions in the admin",
    "django_tasks_database_dbtaskresult": "the job queue: one place to claim jobs from",
    "job_leases": "the queue's leases, one per job row, beside it",
    "stream_events": "the live-update log: its id is the SSE id, one sequence in commit order",
    "reports": "moderation queue, staff only",
    "moderation_audit_log": "moderation log, staff only",
    "oauth2_provider_application": "OAuth clients (django-oauth-toolkit's schema)",
    "oauth2_provider_accesstoken": "OAuth tokens: unique id, token_checksum, id_token_id...",
    "oauth2_provider_refreshtoken": "OAuth refresh tokens (same schema)",
    "oauth2_provider_grant": "OAuth authorization codes (same schema)",
    "oauth2_provider_idtoken": "OAuth ID tokens (same schema)",
    "oauth2_provider_devicegrant": "OAuth device grants (same schema)",
    "mastodon_application_scopes": "the scopes each OAuth client registered, beside it",
}

# Constraints and unique indexes of distributed tables that lack the distribution column
# today, with what the move to Citus changes. Exact: a fixed one must leave the list.
EXCEPTIONS = {
    "users": {
        "idx_users_username_lower": "unique lower(username) across shards: Citus cannot "
        "enforce it; a reference table usernames(lower_username PRIMARY KEY, user_id) "
        "written in the sign-up transaction takes over the check and the @name lookup",
        "idx_users_email_lower": "same, a reference table emails(lower_email PRIMARY KEY)",
    },
    "tweets": {
        "tweets_pkey": "(id) becomes (user_id, id); a permalink /@user/status/<id> names the "
        "author, the rest look up by id on every shard or through a tweet_authors table",
    },
    "muted_words": {"muted_words_pkey": "(id) becomes (user_id, id)"},
    "uploads": {"uploads_pkey": "(id) becomes (owner_id, id)"},
    "users_groups": {"users_groups_pkey": "(id) becomes (user_id, id)"},
    "users_user_permissions": {"users_user_permissions_pkey": "(id) becomes (user_id, id)"},
}

_TABLES_SQL = """
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace
      AND c.relkind IN ('r', 'p') AND NOT c.relispartition
"""

# Every unique index (primary keys and unique constraints have one) of a table, and whether
# the column is one of its plain key columns (an expression does not count for Citus).
_UNIQUE_SQL = """
    SELECT c.relname,
           EXISTS (SELECT 1 FROM pg_attribute a
                   WHERE a.attrelid = i.indrelid AND a.attname = %s
                     AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = %s::regclass AND i.indisunique
"""

_PARTITION_KEY_SQL = """
    SELECT a.attname FROM pg_partitioned_table p
    JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = ANY (p.partattrs::int2[])
    WHERE p.partrelid = %s::regclass
"""


def _fetch(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def unclassified() -> set[str]:
    """Tables of the database in none of the three lists."""
    tables = {name for (name,) in _fetch(_TABLES_SQL)}
    return tables - set(DISTRIBUTED) - set(REFERENCE) - set(LOCAL)


def violations() -> dict[str, set[str]]:
    """Per distributed table, its unique indexes without the distribution column."""
    found = {}
    for table, column in DISTRIBUTED.items():
        rows = _fetch(_UNIQUE_SQL, [column, table])
        missing = {name for name, has_column in rows if not has_column}
        if missing:
            found[table] = missing
    return found


def test_the_three_lists_do_not_overlap():
    assert not set(DISTRIBUTED) & set(REFERENCE)
    assert not set(DISTRIBUTED) & set(LOCAL)
    assert not set(REFERENCE) & set(LOCAL)
    assert set(EXCEPTIONS) <= set(DISTRIBUTED)


@pytest.mark.django_db
def test_every_table_is_classified():
    tables = {name for (name,) in _fetch(_TABLES_SQL)}
    assert unclassified() == set(), "classify new tables in DISTRIBUTED, REFERENCE or LOCAL"
    listed = set(DISTRIBUTED) | set(REFERENCE) | set(LOCAL)
    assert listed - tables == set(), "listed tables that do not exist any more"


@pytest.mark.django_db
def test_unique_keys_of_distributed_tables_contain_the_distribution_column():
    expected = {table: set(reasons) for table, reasons in EXCEPTIONS.items()}
    assert violations() == expected


@pytest.mark.django_db
def test_partitioned_tables_are_partitioned_by_their_distribution_column():
    partitioned = {
        table: [name for (name,) in _fetch(_PARTITION_KEY_SQL, [table])] for table in DISTRIBUTED
    }
    partitioned = {table: key for table, key in partitioned.items() if key}
    assert partitioned == {"home_timeline": ["owner_id"], "notifications": ["recipient_id"]}


@pytest.mark.django_db
def test_the_check_sees_a_new_unique_index_without_the_column_and_a_new_table():
    # Inside the test's transaction, rolled back at its end.
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNIQUE INDEX test_bad_bookmarks ON bookmarks (tweet_id, created_at)")
        cursor.execute("ALTER TABLE likes ADD CONSTRAINT test_bad_likes UNIQUE (tweet_id)")
        cursor.execute("CREATE TABLE test_unclassified (id bigint PRIMARY KEY)")
        # The column inside an expression does not count: Citus needs it plain.
        cursor.execute("CREATE UNIQUE INDEX test_bad_mutes ON mutes ((muter_id + 0), muted_id)")
        # Containing the column anywhere in the key is enough.
        cursor.execute("CREATE UNIQUE INDEX test_good_blocks ON blocks (blocked_id, blocker_id)")
    found = violations()
    assert found["bookmarks"] == {"test_bad_bookmarks"}
    assert found["likes"] == {"test_bad_likes"}
    assert found["mutes"] == {"test_bad_mutes"}
    assert "blocks" not in found
    assert unclassified() == {"test_unclassified"}
