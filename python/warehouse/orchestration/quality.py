"""The expectation suites (gx/suites/) as Dagster asset checks: one check per model asset and suite layer
whose expectations read it (a query asset counts for the first relation it reads). They are evaluated by the
audit that `warehouse.build.build(..., audit=True)` runs after dbt — the same audit as `warehouse build` —
so a failed error-level expectation shows red next to its asset, and nothing is published."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from warehouse.quality.suites import MissingRelation, Relations, load_suites, manifest_relations

CHECK_SUFFIX = "_expectations"


def check_name(layer: str) -> str:
    return f"{layer}{CHECK_SUFFIX}"


def quality_check_specs(manifest: Mapping[str, Any], keys_by_relation: Mapping[str, dg.AssetKey]) -> list:
    """Check specs for every (asset, layer) the suites validate; raw tables (external assets) are left to
    the report."""
    models, sources = manifest_relations(dict(manifest))
    named = Relations(models, sources, {})
    counts: dict[tuple[dg.AssetKey, str], list[str]] = {}
    for suite in load_suites():
        for asset in suite.assets:
            try:
                used = named.read_by(asset)
            except MissingRelation:  # a model this project does not have: the audit reports it
                continue
            key = keys_by_relation.get(used[0]) if used else None
            if key is not None:
                counts.setdefault((key, suite.layer), []).extend(e.type for e in asset.expectations)
    return [
        dg.AssetCheckSpec(
            check_name(layer),
            asset=key,
            description=f"{len(kinds)} expectations of the {layer} suites (gx/suites/{layer}.yml)",
        )
        for (key, layer), kinds in sorted(counts.items(), key=lambda item: (item[0][0].to_user_string(), item[0][1]))
    ]


def check_results(
    quality, selected: set[dg.AssetCheckKey], keys_by_relation: Mapping[str, dg.AssetKey]
) -> Iterator[dg.AssetCheckResult]:
    """One result per selected check from a finished audit (warehouse.quality.QualityRun)."""
    grouped: dict[dg.AssetCheckKey, list] = {}
    for suite in quality.suites:
        for result in suite.results:
            key = keys_by_relation.get(result.relation or "")
            if key is not None:
                grouped.setdefault(dg.AssetCheckKey(key, check_name(suite.layer)), []).append(result)
    for check_key in sorted(selected, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        results = grouped.get(check_key)
        if not results:
            continue
        failed = [r for r in results if not r.success]
        errors = [r for r in failed if r.severity == "error"]
        yield dg.AssetCheckResult(
            asset_key=check_key.asset_key,
            check_name=check_key.name,
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR if errors or not failed else dg.AssetCheckSeverity.WARN,
            metadata={
                "expectations": len(results),
                "failed": len(failed),
                "skipped": sum(1 for r in results if r.skipped),
                "failures": "; ".join(
                    f"{r.severity} {r.expectation}{f' on {r.column}' if r.column else ''}: {r.observed or r.detail}"
                    for r in failed
                )
                or "none",
                "report": dg.MetadataValue.path(str(quality.report_path)),
            },
        )
