//! The `{{ handler.name }}` function ({{ handler.logical_id }} in template.yaml): {{ handler.purpose }}
{%- if self.http() %}

use lambda_http::{Error, run, service_fn};
{%- else %}

use lambda_runtime::{Error, run, service_fn};
{%- endif %}

#[tokio::main]
async fn main() -> Result<(), Error> {
    app::init_logging();
    let deps = app::{{ handler.name }}::Deps::from_env().await?;
    let deps = &deps;
    run(service_fn(move |event| app::{{ handler.name }}::handle(deps, event))).await
}

