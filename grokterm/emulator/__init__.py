"""A local xAI-compatible HTTP server for the demo, the tests and the benchmarks."""
