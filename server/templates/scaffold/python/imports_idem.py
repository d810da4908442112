{% if py.idem -%}
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    {{ py.idem_decorator }},
)
{% endif -%}
