"""The Alembic migrations build the schema the models describe, on SQLite and PostgreSQL, both ways."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Engine, Numeric, inspect, text

from ledger.store import projections  # noqa: F401 - registers the projection tables on Base.metadata
from ledger.store.database import MIGRATIONS_DIR, make_engine, upgrade_schema
from ledger.store.models import Base
from ledger.store.queries import raw_logs_with_topic1
from ledger.store.types import Amount

PROCESS_ID = "0x" + "ab" * 32


def _migrate(engine: Engine, action: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def _index_names(engine: Engine, table: str) -> set[str]:
    """Index names from the catalogue (SQLAlchemy's reflection skips expression indexes on SQLite)."""
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :table",
        "postgresql": "SELECT indexname FROM pg_indexes WHERE tablename = :table",
    }[engine.dialect.name]
    with engine.connect() as connection:
        return {str(name) for name in connection.execute(text(query), {"table": table}).scalars()}


def _same_type_in_ddl(
    context: MigrationContext, inspected: Any, metadata: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Amount is NUMERIC(38) in the DDL everywhere; only its Python-side binding differs on SQLite."""
    if isinstance(metadata_type, Amount):
        return not (isinstance(inspected_type, Numeric) and inspected_type.precision == 38)
    return None  # Alembic's own comparison


# SQLite cannot reflect expression indexes, so Alembic skips comparing the topic1 prefix index there (PostgreSQL
# compares it); the test below checks the index exists by name instead.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_the_migrated_schema_is_the_schema_of_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": _same_type_in_ddl})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert "ix_raw_logs_topic1_prefix" in _index_names(engine, "raw_logs")  # expression indexes escape the diff
    engine.dispose()


def test_0002_swaps_the_topic1_index_and_keeps_the_rows_both_ways(database_url: str) -> None:
    engine = make_engine(database_url)
    _migrate(engine, "upgrade", "0001")
    row = {"block_hash": "0x" + "01" * 32, "tx_hash": "0x" + "02" * 32, "address": "0x" + "03" * 20}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO raw_logs (chain_id, block_number, block_hash, tx_hash, tx_index, log_index, address, "
                "topic0, topic1, data) VALUES (1, 5, :block_hash, :tx_hash, 0, 0, :address, :topic, :topic, '0x')"
            ),
            {**row, "topic": PROCESS_ID},
        )
    assert "ix_raw_logs_chain_id_topic1" in _index_names(engine, "raw_logs")
    _migrate(engine, "upgrade", "0002")
    indexes = _index_names(engine, "raw_logs")
    assert "ix_raw_logs_topic1_prefix" in indexes and "ix_raw_logs_chain_id_topic1" not in indexes
    with engine.connect() as connection:
        assert [r.block_number for r in connection.execute(raw_logs_with_topic1(1, [PROCESS_ID]))] == [5]
        assert connection.execute(raw_logs_with_topic1(1, ["0x" + "ab" * 8 + "cd" * 24])).all() == []  # same prefix
    _migrate(engine, "downgrade", "0001")
    assert "ix_raw_logs_chain_id_topic1" in _index_names(engine, "raw_logs")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM raw_logs")).scalar_one() == 1
    engine.dispose()


def test_looking_up_an_entitys_logs_searches_the_prefix_index_on_both_columns(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    query = raw_logs_with_topic1(1, [PROCESS_ID, "0x" + "cd" * 32])
    compiled = query.compile(engine, compile_kwargs={"render_postcompile": True})  # bound parameters, as run
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))  # an empty table would be scanned otherwise
            connection.execute(text("SET plan_cache_mode = force_generic_plan"))  # as a prepared statement plans
        explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
        statement = connection.exec_driver_sql(
            f"{explain} {compiled}",
            (compiled.positiontup and tuple(compiled.params[name] for name in compiled.positiontup)) or compiled.params,
        )
        plan = " ".join(str(row) for row in statement)
    assert "ix_raw_logs_topic1_prefix" in plan, plan
    if engine.dialect.name == "sqlite":  # both columns of the index, not just chain_id
        assert "(chain_id=? AND <expr>" in plan, plan
    else:
        assert "substr" in plan.split("Index Cond:")[1], plan
    engine.dispose()


def test_0003_empties_what_derives_from_the_chain_keeps_off_chain_rows_and_goes_back(database_url: str) -> None:
    engine = make_engine(database_url)
    _migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO raw_logs (chain_id, block_number, block_hash, tx_hash, tx_index, log_index, address, "
                "topic0, topic1, data) VALUES (1, 5, :hash, :hash, 0, 0, :address, :hash, :hash, '0x')"
            ),
            {"hash": PROCESS_ID, "address": "0x" + "03" * 20},
        )
        connection.execute(
            text(
                "INSERT INTO organisations (chain_id, org_id, role, block_number, block_hash, tx_hash, log_index, "
                "block_time) VALUES (1, :hash, 'supplier', 5, :hash, :hash, 0, 0)"
            ),
            {"hash": PROCESS_ID},
        )
        connection.execute(
            text("INSERT INTO anchored_documents (chain_id, root, leaf_index, doc_hash) VALUES (1, :h, 0, :h)"),
            {"h": PROCESS_ID},
        )

    _migrate(engine, "upgrade", "0003")

    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM raw_logs")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM organisations")).scalar_one() == 0
        kept = connection.execute(text("SELECT anchorer_org, root, leaf_index FROM anchored_documents")).all()
        assert [tuple(row) for row in kept] == [("", PROCESS_ID, 0)]
    _migrate(engine, "downgrade", "0002")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM anchored_documents")).scalar_one() == 1
    engine.dispose()


def test_an_upgrade_that_fails_part_way_leaves_nothing_and_the_next_one_completes(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing on SQLite too, whose driver would commit each CREATE TABLE of the first migration on its own:
    a crash there (e.g. `kill -9` of a starting indexer) must not leave tables without their version row."""
    engine = make_engine(database_url)
    create_table = Operations.create_table
    created: list[str] = []

    def create_some_then_fail(self: Operations, *args: Any, **kwargs: Any) -> Any:
        if len(created) == 5:
            raise RuntimeError("killed in the middle of the migration")
        created.append(args[0])
        return create_table(self, *args, **kwargs)

    monkeypatch.setattr(Operations, "create_table", create_some_then_fail)
    with pytest.raises(RuntimeError, match="killed"):
        upgrade_schema(engine)
    assert not set(inspect(engine).get_table_names()) & {*created, "alembic_version"}
    monkeypatch.undo()
    upgrade_schema(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0004"
    engine.dispose()
