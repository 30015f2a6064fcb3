"""Tessera's build-time generator: partition configs in, C tables out.

load -> validate -> place -> emit; see docs/architecture.md.
"""
