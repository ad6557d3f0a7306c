"""API tokens are stored only as hashes: issued once, authenticated by hash, revoked for good."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.store.database import make_engine, upgrade_schema
from ledger.store.ownership import off_chain_tables
from ledger.store.tokens import TOKEN_PREFIX, authenticate, issue_token, list_tokens, revoke_labelled, revoke_token

ORG = "0x" + "ab" * 32


def test_a_token_is_stored_only_as_its_hash_and_authenticates(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    with Session(engine) as session, session.begin():
        info, token = issue_token(session, ORG, "treasury")
    assert token.startswith(TOKEN_PREFIX) and len(token) >= len(TOKEN_PREFIX) + 43  # 32 random bytes
    with engine.connect() as connection:
        dumped = " ".join(str(row) for row in connection.execute(text("SELECT * FROM api_tokens")))
    assert token not in dumped and token[len(TOKEN_PREFIX) :] not in dumped
    with Session(engine) as session, session.begin():
        found = authenticate(session, token)
    assert found is not None and found.id == info.id and found.org_id == ORG and found.last_used_at is not None
    engine.dispose()


def test_unknown_malformed_and_revoked_tokens_do_not_authenticate(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    with Session(engine) as session, session.begin():
        info, token = issue_token(session, ORG)
        assert authenticate(session, token + "x") is None
        assert authenticate(session, "Bearer " + token) is None
        revoke_token(session, info.id)
        assert authenticate(session, token) is None
        _, demo = issue_token(session, ORG, "demo")
        assert revoke_labelled(session, ORG, "demo") == 1
        assert authenticate(session, demo) is None
        assert [each.revoked_at is not None for each in list_tokens(session)] == [True, True]
    engine.dispose()


def test_tokens_and_the_outbox_are_off_chain_tables() -> None:
    assert {"api_tokens", "outbox"} <= {table.name for table in off_chain_tables()}
