#!/usr/bin/env bash
# Runs what CI runs (.github/workflows/ci.yml) on your machine: cfn-lint on the template, then
# the {{ plan.runtime.title() }} tests. Needs cfn-lint (`python -m pip install cfn-lint`).
set -euo pipefail
cd "$(dirname "$0")/.."
cfn-lint template.yaml
{%- if plan.runtime == Runtime::Rust %}
cargo fmt --check
{%- endif %}
{{ self.test_command() }}
