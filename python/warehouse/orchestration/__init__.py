"""Scheduled and triggered builds on Dagster (operations.md). The code location is
`warehouse.orchestration.definitions:defs`; it needs the `orchestration` extra. `settings` and
`failures` import no Dagster, so `warehouse status` reads the run-failure log without the extra."""
