"""Performance measurements (not tests): `make benchmark` or `python -m benchmarks.<name>`."""
