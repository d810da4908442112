#!/usr/bin/env node
{%- if staged %}
// The CDK app: one stack per stage, `-c stage=staging` (the default) or `-c stage=prod`, named
// {{ plan.project }}-<stage> like the SAM starter's stacks.
{%- else %}
// The CDK app: the one stack, named {{ plan.project }}.
{%- endif %}
import { App } from 'aws-cdk-lib';
import { {{ class }} } from '../lib/stack';

const app = new App({ analyticsReporting: false });
{%- if staged %}
const stage = String(app.node.tryGetContext('stage') ?? 'staging');
if (stage !== 'staging' && stage !== 'prod') {
  throw new Error(`-c stage=${stage}: the stage is staging or prod`);
}
{%- endif %}
// The budget counts costs of resources tagged project={{ plan.project }}: activate "project" as a
// cost allocation tag in the billing console.
{%- if staged %}
new {{ class }}(app, `{{ plan.project }}-${stage}`, {
  stage,
  tags: { project: '{{ plan.project }}', stage },
});
{%- else %}
new {{ class }}(app, '{{ plan.project }}', {
  tags: { project: '{{ plan.project }}' },
});
{%- endif %}
