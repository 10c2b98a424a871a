"""Search: the planted answers of the generator are the best matches, through the Python API and the
`warehouse search` CLI; the query tokenizer agrees with the SQL one."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner
from warehouse_testing import compile_inline

from warehouse.cli import app
from warehouse.search import (
    SearchHit,
    SearchUsageError,
    compile_search_sql,
    hits_from_rows,
    query_terms,
    search,
    search_macro_call,
    search_sql,
)

from landing import query


def test_query_terms_are_distinct_lower_case_ascii_word_runs():
    assert query_terms("Hello, WORLD-42 hello  x_y") == ["hello", "world", "42", "x", "y"]
    assert query_terms("Café über") == ["caf", "ber"]
    assert query_terms("  !!! ") == []


def test_search_macro_call_rejects_bad_arguments():
    assert search_macro_call(["a", "b1"], "chain", 3) == (
        "{{ discovery_bm25_search('a b1', 'chain', 3, ref('search_documents'), ref('search_terms')) }}"
    )
    with pytest.raises(SearchUsageError, match="unknown document type"):
        search_macro_call(["a"], "nft")
    with pytest.raises(SearchUsageError, match="at least 1"):
        search_macro_call(["a"], None, 0)
    with pytest.raises(SearchUsageError, match="lower-case ASCII"):
        search_macro_call(["a'; drop table x; --"])


def test_hits_come_back_best_first():
    rows = [(2, "chain", "base", "Base", 1.5), (1, "project", "p_1", None, 2.5)]
    assert hits_from_rows(rows) == [
        SearchHit(1, "project", "p_1", None, 2.5),
        SearchHit(2, "chain", "base", "Base", 1.5),
    ]


def test_every_planted_answer_is_the_best_match(discovery_run):
    assert len(discovery_run.truth_search) == 5
    for planted in discovery_run.truth_search:
        hits = search(discovery_run.target, planted["query"], limit=5)
        assert (hits[0].doc_type, hits[0].doc_id) == (planted["doc_type"], planted["doc_id"]), (planted, hits)
        assert all(hit.score < hits[0].score for hit in hits[1:])
        typed = search(discovery_run.target, planted["query"], doc_type="project", limit=1)
        assert [(hit.doc_type, hit.doc_id) for hit in typed] == [("project", planted["doc_id"])]


def test_the_compiled_template_gives_the_sql_dbt_compiles_for_the_terms(discovery_run):
    terms = ["koyixaquelsnef", "privacy"]
    assert search_sql(discovery_run.target, terms) == compile_search_sql(discovery_run.target, terms)


def test_search_by_type_finds_chains_and_investors_by_name(discovery_run):
    target = discovery_run.target
    sql = "select chain_name, chain_id from marts.chains_discovery order by chain_id limit 1"
    name, chain_id = query(target, sql)[0]
    hits = search(target, name, doc_type="chain")
    assert hits[0].doc_id == chain_id and {hit.doc_type for hit in hits} == {"chain"}
    firm, investor_id = query(
        target, "select firm, investor_id from marts.investors_directory order by investor_id limit 1"
    )[0]
    hits = search(target, f"{firm} {investor_id}", doc_type="investor")  # the id is no token of any document
    assert investor_id in [hit.doc_id for hit in hits if hit.title == firm]


def test_sql_tokenizer_agrees_with_the_python_one(discovery_run):
    """Documents are tokenized in SQL (`discovery_word_tokens`), queries in Python: the same tokens."""
    texts = ["Hello, WORLD-42 hello  x_y", "Café über naïve", "ZenithBridge v2.0 (beta)", "", "a--b__c  D"]
    values = ", ".join(f"({i}, '{t}')" for i, t in enumerate(texts))
    sql = compile_inline(
        discovery_run.target,
        "select i, token from (select i, {{ discovery_word_tokens('s') }} as token "
        f"from (values {values}) as v(i, s)) as t where token <> ''",
    )
    by_text: dict[int, set[str]] = {i: set() for i in range(len(texts))}
    for i, token in query(discovery_run.target, sql):
        by_text[i].add(token)
    for i, text in enumerate(texts):
        assert by_text[i] == set(query_terms(text)), text


def test_cli_prints_ranked_results(discovery_run):
    planted = discovery_run.truth_search[0]
    env = {"WAREHOUSE_TARGET": "duckdb", "WAREHOUSE_DUCKDB_PATH": str(discovery_run.target.duckdb_path)}
    result = CliRunner().invoke(app, ["search", planted["query"], "--type", "project", "--limit", "3"], env=env)
    assert result.exit_code == 0, result.output
    first_row = next(line for line in result.output.splitlines() if planted["doc_id"] in line)
    assert first_row.split()[1] == "1"
    bad = CliRunner().invoke(app, ["search", "anything", "--type", "nft"], env=env)
    assert bad.exit_code == 2 and "unknown --type 'nft'" in bad.output
