#!/usr/bin/env bash
# Runs what CI runs (.github/workflows/ci.yml) on your machine: cfn-lint on the template, then
# the {{ plan.runtime.title() }} tests.{% if plan.iac == Iac::Cdk %} The synthesis skips building the functions' code.{% endif %} Needs cfn-lint (`python -m pip install cfn-lint`).
set -euo pipefail
cd "$(dirname "$0")/.."
{%- if plan.iac == Iac::Cdk %}
(cd infra && npm install --no-audit --no-fund && npx cdk synth --quiet -c stage=staging -c 'aws:cdk:bundling-stacks=[]')
cfn-lint {{ self.synthesized() }}
{%- else %}
cfn-lint template.yaml
{%- endif %}
{%- if plan.runtime == Runtime::Rust %}
cargo fmt --check
{%- endif %}
{{ self.test_command() }}
