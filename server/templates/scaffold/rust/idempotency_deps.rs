    /// What the function needs, built once per cold start.
{%- if self.idem() %}
    pub struct Deps {
        idempotency: Idempotency,
    }
{%- else %}
    pub struct Deps {}
{%- endif %}

    impl Deps {
        /// Reads the function's settings from the environment.
        pub async fn from_env() -> Result<Self, Error> {
{%- if self.idem() %}
            let config = aws_config::load_from_env().await;
            Ok(Self {
                idempotency: Idempotency::from_env(&config)?,
            })
{%- else %}
            Ok(Self {})
{%- endif %}
        }
    }
