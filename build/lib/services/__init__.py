"""Crewcast's application layer: one function per workflow, called by the pages, the CLI, tests and benches."""
