-- An ETag per mart (macros/ops/payload_versions.sql): payload_version changes when the mart's column
-- schema, its newest data timestamp or its row count changes, and only then.
{{ payload_versions_sql() }}
