{% if py.idem %}
# Idempotency: a record per key in the DynamoDB table IDEMPOTENCY_TABLE, kept for
# IDEMPOTENCY_TTL_SECONDS. A repeat of a finished call returns the stored result instead of
# running again; a repeat while the first is still running fails, and its retry finds the result.
persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
idempotency_config = IdempotencyConfig(
    expires_after_seconds=int(os.environ["IDEMPOTENCY_TTL_SECONDS"]),
    event_key_jmespath={{ py.key_path }},
{%- if let Some(path) = py.payload_path %}
    # A hash of this part of the request is stored with the record; a repeat whose hash differs
    # raises IdempotencyValidationError instead of getting the first result.
    payload_validation_jmespath={{ path }},
{%- endif %}
    raise_on_no_idempotency_key=True,
)
{% endif -%}
