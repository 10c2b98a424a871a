"""Python loaders: land raw files into the `raw` schema (see README.md beside this file)."""
