"""Parses a Prometheus text exposition (stdin) with the official Python client's parser
(PyPI `prometheus-client`, installed into .venv-test by scripts/setup-test-deps.sh) and
prints it as JSON: {"families": {name: type}, "samples": [{name, labels, value}]}.

The parser raises on any line that is not the text format; this script then exits 1
with the parser's message. Used by tests/api/metrics.rs.
"""

import json
import math
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.exit(
        "prometheus_client is missing: python3 on PATH must be the one of .venv-test "
        "(bash scripts/setup-test-deps.sh installs it)"
    )


def number(value):
    # JSON has no infinity: +Inf counts are never produced here, but be explicit.
    return value if math.isfinite(value) else str(value)


def main():
    text = sys.stdin.read()
    families = {}
    samples = []
    try:
        for family in text_string_to_metric_families(text):
            families[family.name] = family.type
            for sample in family.samples:
                samples.append(
                    {"name": sample.name, "labels": sample.labels, "value": number(sample.value)}
                )
    except ValueError as error:
        sys.exit(f"not the Prometheus text format: {error}")
    json.dump({"families": families, "samples": samples}, sys.stdout)


main()
