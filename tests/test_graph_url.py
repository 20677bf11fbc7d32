"""``GRAPH_URL`` parsing: which engine, where, as whom; bad values name the setting."""

from __future__ import annotations

import pytest

from graph.errors import ConfigError
from graph.store.protocol import DEFAULT_GRAPH_NAME, parse_graph_url


def test_embedded_uses_the_default_graph_name() -> None:
    url = parse_graph_url("embedded:")
    assert (url.backend, url.scheme, url.database) == ("falkordb", "embedded", DEFAULT_GRAPH_NAME)
    assert url.embedded
    assert (url.host, url.port, url.socket_path) == (None, None, None)


@pytest.mark.parametrize("raw", ["embedded:sales", "embedded://sales", " embedded:sales\n"])
def test_embedded_with_a_name_selects_that_graph(raw: str) -> None:
    url = parse_graph_url(raw)
    assert (url.backend, url.database) == ("falkordb", "sales")
    assert url.embedded


def test_scheme_is_case_insensitive() -> None:
    assert parse_graph_url("EMBEDDED:").embedded
    assert parse_graph_url("Neo4j://db.example").backend == "neo4j"


def test_falkordb_url_gives_host_port_and_graph() -> None:
    url = parse_graph_url("falkordb://graph.example:6380/crm")
    assert (url.backend, url.scheme) == ("falkordb", "falkordb")
    assert (url.host, url.port, url.database) == ("graph.example", 6380, "crm")
    assert not url.embedded
    assert url.username is None and url.password is None


def test_falkordb_url_defaults_to_port_6379_and_the_default_graph() -> None:
    url = parse_graph_url("falkordb://graph.example")
    assert (url.port, url.database) == (6379, DEFAULT_GRAPH_NAME)


def test_falkordb_credentials_are_parsed_and_redacted() -> None:
    url = parse_graph_url("falkordb://alice:s3cret@graph.example")
    assert (url.username, url.password) == ("alice", "s3cret")
    assert url.redacted() == "falkordb://alice:***@graph.example"
    assert "s3cret" not in url.redacted()


def test_percent_encoded_password_is_decoded_and_still_redacted() -> None:
    url = parse_graph_url("falkordb://alice:p%40ss%3Aw0rd@graph.example:6380/crm")
    assert url.password == "p@ss:w0rd"
    assert url.redacted() == "falkordb://alice:***@graph.example:6380/crm"


def test_password_only_url_is_redacted() -> None:
    url = parse_graph_url("rediss://:s3cret@graph.example:6390/crm")
    assert (url.username, url.password, url.backend) == (None, "s3cret", "falkordb")
    assert url.redacted() == "rediss://:***@graph.example:6390/crm"


def test_redaction_keeps_a_graph_name_equal_to_the_password() -> None:
    url = parse_graph_url("falkordb://alice:crm@graph.example/crm")
    assert url.redacted() == "falkordb://alice:***@graph.example/crm"


def test_url_without_password_is_shown_unchanged() -> None:
    assert parse_graph_url("neo4j://db.example").redacted() == "neo4j://db.example"


def test_unix_socket_url_gives_path_and_graph() -> None:
    url = parse_graph_url("unix:///var/run/falkordb/falkordb.sock?graph=crm")
    assert (url.backend, url.scheme) == ("falkordb", "unix")
    assert (url.socket_path, url.database) == ("/var/run/falkordb/falkordb.sock", "crm")
    assert url.host is None
    assert not url.embedded


def test_unix_socket_url_without_graph_uses_the_default_graph() -> None:
    assert parse_graph_url("unix:///tmp/x.sock").database == DEFAULT_GRAPH_NAME


def test_unix_socket_url_without_a_path_is_config_error() -> None:
    # Otherwise the client would silently connect to localhost:6379 instead.
    with pytest.raises(ConfigError, match="GRAPH_URL"):
        parse_graph_url("unix://")


def test_neo4j_url_defaults_to_the_bolt_port_and_the_server_default_database() -> None:
    url = parse_graph_url("neo4j://db.example")
    assert (url.backend, url.scheme, url.host, url.port) == ("neo4j", "neo4j", "db.example", 7687)
    assert url.database is None


def test_neo4j_secure_url_with_a_database() -> None:
    url = parse_graph_url("neo4j+s://abc123.databases.neo4j.io/crm")
    assert (url.backend, url.scheme) == ("neo4j", "neo4j+s")
    assert (url.host, url.port, url.database) == ("abc123.databases.neo4j.io", 7687, "crm")


def test_neo4j_database_may_come_from_the_query_string() -> None:
    assert parse_graph_url("neo4j://db.example?database=crm").database == "crm"


def test_bolt_url_with_credentials_and_port() -> None:
    url = parse_graph_url("bolt://neo4j:pw@db.example:7688")
    assert (url.backend, url.scheme, url.host, url.port) == ("neo4j", "bolt", "db.example", 7688)
    assert (url.username, url.password) == ("neo4j", "pw")
    assert url.redacted() == "bolt://neo4j:***@db.example:7688"


@pytest.mark.parametrize(
    "raw",
    ["http://x", "postgres://", "sqlite:///crm.db", "", "   ", "foo", "embedded", "neo4j"],
)
def test_unsupported_url_is_config_error_naming_graph_url(raw: str) -> None:
    with pytest.raises(ConfigError, match="GRAPH_URL") as caught:
        parse_graph_url(raw)
    assert "embedded:" in str(caught.value)  # and says what would work


@pytest.mark.parametrize(
    "raw",
    ["falkordb://graph.example:99999/g", "falkordb://graph.example:port/g", "neo4j://db:-1"],
)
def test_bad_port_is_config_error_naming_graph_url(raw: str) -> None:
    with pytest.raises(ConfigError, match="GRAPH_URL.*port"):
        parse_graph_url(raw)


@pytest.mark.parametrize("raw", ["neo4j://", "bolt:///db", "falkordb://", "redis:///g"])
def test_url_without_a_host_is_config_error_naming_graph_url(raw: str) -> None:
    with pytest.raises(ConfigError, match="GRAPH_URL.*no host"):
        parse_graph_url(raw)
