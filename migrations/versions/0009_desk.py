"""desk tools: look-alike report groups, canned replies, published suggestions, full-text search of tickets

Revision ID: 0009_desk
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009_desk"
down_revision = "0001"
branch_labels = None
depends_on = None


# core/search.py queries with the same expressions ('russian' stems Russian and English words).
POSTGRES_SEARCH = [
    "CREATE INDEX search_ticket_text ON ticket USING gin (to_tsvector('russian', subject || ' ' || description))",
    "CREATE INDEX search_message_text ON message USING gin (to_tsvector('russian', text))",
]
# One FTS5 document per ticket (rowid 2*id: subject and description) and per message (rowid 2*id+1),
# kept by triggers so every write path (the ORM, the express lane's Core statements) is covered.
TICKET_DOC = "new.id * 2, new.id, new.subject || ' ' || new.description"
MESSAGE_DOC = "new.id * 2 + 1, new.ticket_id, new.text"
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(ticket_id UNINDEXED, body, tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER search_ticket_ai AFTER INSERT ON ticket BEGIN
        INSERT INTO search_fts(rowid, ticket_id, body) VALUES ({TICKET_DOC}); END""",
    f"""CREATE TRIGGER search_ticket_au AFTER UPDATE OF subject, description ON ticket BEGIN
        DELETE FROM search_fts WHERE rowid = old.id * 2;
        INSERT INTO search_fts(rowid, ticket_id, body) VALUES ({TICKET_DOC}); END""",
    """CREATE TRIGGER search_ticket_ad AFTER DELETE ON ticket BEGIN
        DELETE FROM search_fts WHERE rowid = old.id * 2; END""",
    f"""CREATE TRIGGER search_message_ai AFTER INSERT ON message WHEN new.ticket_id IS NOT NULL BEGIN
        INSERT INTO search_fts(rowid, ticket_id, body) VALUES ({MESSAGE_DOC}); END""",
    # Intake stores a customer's messages first and links them to the ticket once it exists.
    f"""CREATE TRIGGER search_message_au AFTER UPDATE OF ticket_id, text ON message BEGIN
        DELETE FROM search_fts WHERE rowid = old.id * 2 + 1;
        INSERT INTO search_fts(rowid, ticket_id, body) SELECT {MESSAGE_DOC} WHERE new.ticket_id IS NOT NULL; END""",
    """CREATE TRIGGER search_message_ad AFTER DELETE ON message BEGIN
        DELETE FROM search_fts WHERE rowid = old.id * 2 + 1; END""",
    "INSERT INTO search_fts(rowid, ticket_id, body) SELECT id * 2, id, subject || ' ' || description FROM ticket",
    """INSERT INTO search_fts(rowid, ticket_id, body)
        SELECT id * 2 + 1, ticket_id, text FROM message WHERE ticket_id IS NOT NULL""",
]


def upgrade() -> None:
    op.create_table(
        "lookalikegroup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_lookalikegroup_updated_at"), "lookalikegroup", ["updated_at"], unique=False)
    op.create_table(
        "cannedreply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "suggestionpost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("published_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_SEARCH:
            op.execute(statement)
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS search_ticket_text")
        op.execute("DROP INDEX IF EXISTS search_message_text")
    else:
        for name in ("ticket_ai", "ticket_au", "ticket_ad", "message_ai", "message_au", "message_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS search_{name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("suggestionpost")
    op.drop_table("cannedreply")
    op.drop_index(op.f("ix_lookalikegroup_updated_at"), table_name="lookalikegroup")
    op.drop_table("lookalikegroup")
