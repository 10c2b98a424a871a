"""`warehouse search`: BM25 over the discovery search index (marts `search_documents` + `search_terms`).

The ranking SQL is not written here: dbt compiles the project macro `discovery_bm25_search` (the one the
`search_results` model and its unit tests use), and the query runs over the warehouse connection, on
DuckDB or PostgreSQL alike. dbt compiles it once per (target, type, limit) in a process, with a
placeholder word as the query; each search puts its own words (only [a-z0-9] and spaces) in place of the
placeholder's one SQL string literal.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from unittest.mock import patch

from warehouse.settings import Target

DOC_TYPES = ("project", "builder", "chain", "investor")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TOKEN = re.compile(r"[a-z0-9]+")
_PLACEHOLDER = "warehousesearchplaceholder"


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
    """The BM25 query for ``terms`` as SQL for ``target``, compiled by dbt from the project macro."""
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


@lru_cache(maxsize=32)
def _search_template(target: Target, doc_type: str | None, limit: int) -> str:
    sql = compile_search_sql(target, [_PLACEHOLDER], doc_type, limit)
    if sql.count(f"'{_PLACEHOLDER}'") != 1:
        raise SearchError("the compiled search query does not hold its query as exactly one string literal")
    return sql


def search_sql(target: Target, terms: list[str], doc_type: str | None = None, limit: int = 10) -> str:
    """The BM25 query for ``terms`` on ``target``: the compiled template with the terms as its literal."""
    search_macro_call(terms, doc_type, limit)  # validates the terms: they become an SQL literal
    return _search_template(target, doc_type, limit).replace(f"'{_PLACEHOLDER}'", f"'{' '.join(terms)}'")


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
    sql = search_sql(target, terms, doc_type, limit)
    from warehouse.loaders.targets import open_warehouse

    try:
        warehouse = open_warehouse(target)
        try:
            rows = warehouse.fetch(sql)
        finally:
            warehouse.close()
    except Exception as error:  # no warehouse yet, index not built, server down, ...
        raise SearchError(f"the search index could not be read: {error}") from error
    return hits_from_rows(rows)
