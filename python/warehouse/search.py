"""`warehouse search`: BM25 over the discovery search index (marts `search_documents` + `search_terms`).

The ranking SQL is not written here: the project macro `discovery_bm25_search` (the one the
`search_results` model and its unit tests use) is compiled by dbt at build time into
`marts.search_query_templates`, one query per document type with a placeholder word as its query and a
placeholder number as its limit. A search reads that row and puts its own words (only [a-z0-9] and
spaces) and limit in their place, over a plain connection on DuckDB or PostgreSQL: no dbt at search time
(dbt is not even imported), so a search costs one small query plus the ranking.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from unittest.mock import patch

from warehouse.settings import Target

DOC_TYPES = ("project", "builder", "chain", "investor")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TOKEN = re.compile(r"[a-z0-9]+")
TEMPLATES = "marts.search_query_templates"


class SearchError(Exception):
    """A search that cannot run: the project does not compile or the warehouse does not answer."""


class SearchUsageError(SearchError):
    """A search asked for wrongly: unknown document type, a limit below 1."""


@dataclass(frozen=True)
class SearchHit:
    rank: int
    doc_type: str
    doc_id: str
    title: str | None
    score: float


def query_terms(query: str) -> list[str]:
    """The distinct word tokens of a query, in order of first appearance, tokenized like the documents
    (`discovery_word_tokens`): lower-cased runs of ASCII letters and digits."""
    seen: dict[str, None] = {}
    for token in _TOKEN.findall(query.translate(_ASCII_LOWER)):
        seen.setdefault(token, None)
    return list(seen)


def search_macro_call(terms: list[str], doc_type: str | None = None, limit: int = 10) -> str:
    """The Jinja call of the BM25 macro for these terms (only [a-z0-9] and spaces reach the SQL)."""
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise SearchUsageError(f"unknown document type {doc_type!r}; use one of {', '.join(DOC_TYPES)}")
    if limit < 1:
        raise SearchUsageError(f"the number of results must be at least 1, not {limit}")
    if any(not _TOKEN.fullmatch(term) for term in terms):
        raise SearchUsageError(f"search terms must be lower-case ASCII words: {terms!r}")
    type_argument = f"'{doc_type}'" if doc_type else "none"
    return (
        f"{{{{ discovery_bm25_search('{' '.join(terms)}', {type_argument}, {int(limit)}, "
        "ref('search_documents'), ref('search_terms')) }}"
    )


def compile_search_sql(target: Target, terms: list[str], doc_type: str | None = None, limit: int = 10) -> str:
    """The BM25 query for ``terms`` as SQL for ``target``, compiled by dbt from the project macro now (what
    the build stored in the templates, for checking them; `search` never calls it)."""
    from dbt.cli.main import dbtRunner

    from warehouse.build import dbt_args

    call = search_macro_call(terms, doc_type, limit)
    quiet = ["--quiet", "--log-level", "none", "--log-level-file", "none"]
    args = [*quiet, *dbt_args("compile", target, "--inline", call)]
    with patch.dict(os.environ, target.dbt_env()):
        result = dbtRunner().invoke(args)
    if not result.success:
        raise SearchError(f"dbt could not compile the search query: {result.exception or 'see logs/dbt.log'}")
    return result.result.results[0].node.compiled_code


def _connect(target: Target):
    """A plain connection to the warehouse (read-only on DuckDB)."""
    if target.is_postgres:
        import psycopg2

        return psycopg2.connect(target.pg_dsn())
    import duckdb

    if not target.duckdb_path.exists():
        raise SearchError(f"no warehouse at {target.duckdb_path}")
    try:  # read-only, so that searches from several processes can run at once
        return duckdb.connect(str(target.duckdb_path), read_only=True)
    except duckdb.ConnectionException:  # this process already holds the file open read-write (after a build)
        return duckdb.connect(str(target.duckdb_path))


def fill_template(template: tuple[str, str, int], terms: list[str], limit: int) -> str:
    """The stored query (query_sql, query_placeholder, limit_placeholder) with the terms and the limit."""
    sql, word, number = template
    literal, bound = f"'{word}'", f"<= {int(number)}"
    if sql.count(literal) != 1 or sql.count(bound) != 1:
        raise SearchError("the stored search query does not hold its query and limit exactly once; rebuild")
    return sql.replace(literal, f"'{' '.join(terms)}'").replace(bound, f"<= {int(limit)}")


def _fetch(connection, sql: str) -> list[tuple]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)  # no parameters: DuckDB imports pandas (~2 s) to bind Python values
        return cursor.fetchall()
    finally:
        cursor.close()


def _template_query(doc_type: str | None) -> str:
    assert doc_type is None or doc_type in DOC_TYPES  # checked by search_macro_call: safe as a literal
    columns = "query_sql, query_placeholder, limit_placeholder"
    return f"select {columns} from {TEMPLATES} where doc_type = '{doc_type or 'all'}'"


def _search_rows(target: Target, terms: list[str], doc_type: str | None, limit: int) -> tuple[str, list[tuple]]:
    try:
        connection = _connect(target)
    except SearchError:
        raise
    except Exception as error:  # a file another process is writing, a server that is down, ...
        raise SearchError(f"the warehouse could not be opened: {str(error).strip()}") from error
    try:
        try:
            templates = _fetch(connection, _template_query(doc_type))
        except Exception as error:
            raise SearchError(f"the search index is not built ({TEMPLATES} cannot be read)") from error
        if not templates:
            raise SearchError(f"{TEMPLATES} holds no query for {doc_type or 'all'} documents; rebuild")
        sql = fill_template(templates[0], terms, limit)
        try:
            return sql, _fetch(connection, sql)
        except Exception as error:
            raise SearchError(f"the search index could not be read: {str(error).strip()}") from error
    finally:
        connection.close()


def search_sql(target: Target, terms: list[str], doc_type: str | None = None, limit: int = 10) -> str:
    """The BM25 query for ``terms`` on ``target``: the stored template with the terms and the limit."""
    search_macro_call(terms, doc_type, limit)  # validates the terms: they become an SQL literal
    connection = _connect(target)
    try:
        template = _fetch(connection, _template_query(doc_type))[0]
    finally:
        connection.close()
    return fill_template(template, terms, limit)


def hits_from_rows(rows: list[tuple]) -> list[SearchHit]:
    """Rows of the BM25 query (search_rank, doc_type, doc_id, title, score) as hits, best first."""
    hits = [SearchHit(int(r[0]), str(r[1]), str(r[2]), r[3], float(r[4])) for r in rows]
    return sorted(hits, key=lambda hit: hit.rank)


def search(target: Target, query: str, doc_type: str | None = None, limit: int = 10) -> list[SearchHit]:
    """The best ``limit`` documents for ``query`` by BM25 (optionally of one ``doc_type``), best first.

    A query without any word token finds nothing (and does not touch the warehouse)."""
    terms = query_terms(query)
    search_macro_call(terms, doc_type, limit)  # rejects bad arguments before any work
    if not terms:
        return []
    _, rows = _search_rows(target, terms, doc_type, limit)
    return hits_from_rows(rows)
