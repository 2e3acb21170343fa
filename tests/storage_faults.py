"""Storage faults the database itself can be told to make: every new connection of a store runs a statement
(SQLite's query_only or max_page_count, PostgreSQL's read-only transactions), until lifted."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event

from backprop_playground.store import Store


def on_every_connection(store: Store, statement: str) -> Callable[[], None]:
    """Run `statement` on each new connection of the store's pool (the pooled ones are dropped); returns
    what lifts it again."""
    def run(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        dbapi_connection.commit()  # PostgreSQL: a SET rolled back with its transaction would be undone

    event.listen(store.engine, "connect", run)
    store.engine.dispose()

    def lift() -> None:
        event.remove(store.engine, "connect", run)
        store.engine.dispose()

    return lift


def make_read_only(store: Store) -> Callable[[], None]:
    """Writes on the store's database are refused as on a read-only one, until the returned call."""
    if store.engine.dialect.name == "sqlite":
        return on_every_connection(store, "PRAGMA query_only=1")
    return on_every_connection(store, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")


def page_count(store: Store) -> int:
    """(SQLite) The database's size in pages."""
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA page_count").scalar()
