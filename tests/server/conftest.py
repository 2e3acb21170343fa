"""Fixtures of the server-module tests: a store on SQLite and, when one is available, on PostgreSQL."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("BACKPROP_TEST_POSTGRES_URL")


def _postgres_url() -> str:
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("BACKPROP_TEST_POSTGRES_URL must be set in CI (.ci/run starts PostgreSQL)")
        pytest.skip("no PostgreSQL: set BACKPROP_TEST_POSTGRES_URL to run the storage tests on it")
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """A database URL of each supported kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'models.db'}"
    return _postgres_url()


@pytest.fixture
def store(database_url):
    from backprop_playground.store import Store

    store = Store(database_url)
    yield store
    store.close()
