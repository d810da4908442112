
/// The `process` function: reads each object uploaded under `incoming/` in the input bucket and
/// writes its result to `processed/<the rest of the key>` in the output bucket (`OUTPUT_BUCKET`),
/// a separate bucket, so a result never triggers the function again. A failure is retried by
/// Lambda, then sent to the on-failure destination.
pub mod process {
    use aws_lambda_events::s3::{S3Event, S3EventRecord};
    use lambda_runtime::LambdaEvent;
    use tracing::Instrument as _;

    use super::{Error, aws_error, env, invocation_span, log_events};
{%- if self.idem() %}
    use super::{Idempotency, deadline_s};
{%- endif %}

    /// What the function needs, built once per cold start.
    pub struct Deps {
        s3: aws_sdk_s3::Client,
        output_bucket: String,
{%- if self.idem() %}
        idempotency: Idempotency,
{%- endif %}
    }

    impl Deps {
        /// Reads `OUTPUT_BUCKET`{% if self.idem() %} and the idempotency settings{% endif %} from the environment.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                s3: aws_sdk_s3::Client::new(&config),
                output_bucket: env("OUTPUT_BUCKET")?,
{%- if self.idem() %}
                idempotency: Idempotency::from_env(&config)?,
{%- endif %}
            })
        }
    }

    /// An object key as S3 sends it in events (URL-encoded, spaces as `+`), decoded.
    pub fn decode_key(raw: &str) -> String {
        let bytes = raw.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => match (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push(high * 16 + low);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn hex_digit(b: u8) -> Option<u8> {
        char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }

    /// Where the result of `key` goes: `incoming/a/b.csv` → `processed/a/b.csv`; none for a key
    /// outside `incoming/`.
    pub fn output_key(key: &str) -> Option<String> {
        key.strip_prefix("incoming/")
            .filter(|rest| !rest.is_empty() && !rest.ends_with('/'))
            .map(|rest| format!("processed/{rest}"))
    }

    /// The result written for an object. Replace it with your own processing.
    pub fn result_of(bucket: &str, key: &str, contents: &[u8]) -> serde_json::Value {
        serde_json::json!({
            "source": format!("s3://{bucket}/{key}"),
            "bytes": contents.len(),
            "lines": contents.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count(),
        })
    }

    /// The bucket and decoded key of a record.
    pub fn object_of(record: &S3EventRecord) -> Result<(String, String), Error> {
        let bucket = record.s3.bucket.name.clone().ok_or("the record has no bucket name")?;
        let key = record.s3.object.key.as_deref().ok_or("the record has no object key")?;
        Ok((bucket, decode_key(key)))
    }

    /// Handles an S3 notification: every record is tried; the event fails if one did.
    pub async fn handle(deps: &Deps, event: LambdaEvent<S3Event>) -> Result<(), Error> {
        let span = invocation_span(&event.context.request_id, &event.context);
{%- if self.idem() %}
        let lock_until = deadline_s(&event.context);
{%- endif %}
        async move {
            let mut failed = 0;
            for record in &event.payload.records {
{%- if self.idem() %}
                // A retried event repeats the record's sequencer; a new upload of the key has a new one.
                let key = object_of(record).map(|(bucket, key)| {
                    let sequencer = record.s3.object.sequencer.as_deref().unwrap_or_default();
                    format!("process#{bucket}/{key}#{sequencer}")
                });
                let result = match key {
                    Ok(key) => deps
                        .idempotency
                        .run_once(&key, lock_until, async {
                            process_record(deps, record).await.map(|()| None)
                        })
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                };
{%- else %}
                let result = process_record(deps, record).await;
{%- endif %}
                if let Err(e) = result {
                    tracing::error!(error = %e, "object failed");
                    failed += 1;
                }
            }
            if failed > 0 {
                return Err(format!("{failed} of {} objects failed", event.payload.records.len()).into());
            }
            Ok(())
        }
        .instrument(span)
        .await
    }

    async fn process_record(deps: &Deps, record: &S3EventRecord) -> Result<(), Error> {
        let (bucket, key) = object_of(record)?;
        let Some(target) = output_key(&key) else {
            tracing::warn!(%key, "outside incoming/: skipped");
            return Ok(());
        };
        let object = deps
            .s3
            .get_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| aws_error("reading the object", &e))?;
        let contents = object.body.collect().await?.into_bytes();
        let result = result_of(&bucket, &key, &contents);
        if log_events() {
            tracing::info!(%key, result = %result, "processed");
        }
        deps.s3
            .put_object()
            .bucket(&deps.output_bucket)
            .key(&target)
            .content_type("application/json")
            .body(result.to_string().into_bytes().into())
            .send()
            .await
            .map_err(|e| aws_error("writing the result", &e))?;
        tracing::info!(%key, %target, "result written");
        Ok(())
    }
}

#[cfg(test)]
mod s3_tests {
    use super::process::*;
    use super::tests::sample_event;
    use aws_lambda_events::s3::S3Event;

    #[test]
    fn the_sample_object_maps_to_a_processed_key() {
        let event: S3Event = serde_json::from_str(&sample_event("process")).unwrap();
        assert!(!event.records.is_empty());
        for record in &event.records {
            let (bucket, key) = object_of(record).unwrap();
            assert!(!bucket.is_empty());
            let target = output_key(&key).unwrap();
            assert!(target.starts_with("processed/"), "{target}");
            assert!(!target.contains('+'), "the key is decoded: {target}");
        }
    }

    #[test]
    fn keys_are_decoded() {
        assert_eq!(decode_key("incoming/report+one.csv"), "incoming/report one.csv");
        assert_eq!(decode_key("incoming/a%2Bb%C3%A9.txt"), "incoming/a+bé.txt");
        assert_eq!(decode_key("incoming/100%"), "incoming/100%");
        assert_eq!(decode_key("incoming/%zz"), "incoming/%zz");
    }

    #[test]
    fn only_incoming_objects_are_processed() {
        assert_eq!(
            output_key("incoming/2026/a.csv").as_deref(),
            Some("processed/2026/a.csv")
        );
        assert_eq!(output_key("processed/a.csv"), None);
        assert_eq!(output_key("incoming/"), None);
        assert_eq!(output_key("incoming/folder/"), None);
    }

    #[test]
    fn the_result_counts_bytes_and_lines() {
        let result = result_of("in", "incoming/a.csv", b"a,b\n1,2\n");
        assert_eq!(result["bytes"], 8);
        assert_eq!(result["lines"], 2);
        assert_eq!(result["source"], "s3://in/incoming/a.csv");
    }
}
