import json
import os
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# The shared services every backend calls, and what each backend may spend on them. template.yaml
# sets these from the plan: the base URLs are parameters, one per environment.
SERVICES = {
{%- if let Some(b) = plan.bff %}
{%- for d in b.downstreams %}
    "{{ d.name }}": (os.environ["{{ d.variable }}"], "{{ d.path }}"),
{%- endfor %}
{%- endif %}
}
CALL_TIMEOUT_S = int(os.environ.get("CALL_TIMEOUT_MS", "{% if let Some(b) = plan.bff %}{{ b.call_timeout_ms }}{% endif %}")) / 1000
MAX_RESPONSE_BYTES = int(os.environ.get("MAX_RESPONSE_BYTES", "{% if let Some(b) = plan.bff %}{{ b.max_response_bytes }}{% endif %}"))
# One thread per service, kept across invocations: every call of a request starts at once.
EXECUTOR = ThreadPoolExecutor(max_workers=len(SERVICES))


def fetch_json(url: str, correlation_id: str, timeout_s: float) -> Any:
    """GETs a downstream service's JSON, passing the correlation id along. Raises on a non-2xx
    answer, a timeout or a body that is not JSON."""
    request = urllib.request.Request(url, headers={"accept": "application/json", "x-correlation-id": correlation_id})
    with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310 (https base URLs, template.yaml checks)
        return json.loads(answer.read(MAX_RESPONSE_BYTES + 1))


def gather(user: str, limit: int, correlation_id: str) -> tuple[dict[str, Any], list[str]]:
    """Calls every shared service at once and waits at most CALL_TIMEOUT_S for all of them.
    Returns what came back and the services that failed or were late."""
    deadline = time.monotonic() + CALL_TIMEOUT_S
    calls = {
        name: EXECUTOR.submit(
            fetch_json, base + path.format(user=quote(user, safe=""), limit=limit), correlation_id, CALL_TIMEOUT_S
        )
        for name, (base, path) in SERVICES.items()
    }
    results: dict[str, Any] = {}
    unavailable: list[str] = []
    for name, call in calls.items():
        try:
            results[name] = call.result(timeout=max(0.0, deadline - time.monotonic()))
        except Exception as error:  # noqa: BLE001 (any failure of one service only leaves its part out)
            logger.warning("downstream service unavailable", extra={"downstream": name, "error": repr(error)})
            unavailable.append(name)
    return results, unavailable


def orders_of(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The orders list from the orders service's answer ({"orders": [...]}), or none."""
    answer = results.get("orders")
    orders = answer.get("orders") if isinstance(answer, dict) else None
    return [o for o in orders if isinstance(o, dict)] if isinstance(orders, list) else []


def full_shape(results: dict[str, Any], limit: int) -> dict[str, Any]:
    """What a large screen shows: the whole profile and the latest orders as the services send them."""
    return {"profile": results.get("profile"), "orders": orders_of(results)[:limit]}


def compact_shape(results: dict[str, Any], limit: int) -> dict[str, Any]:
    """What a phone shows: the name and, per order, its id, status and total."""
    profile = results.get("profile")
    return {
        "name": profile.get("name") if isinstance(profile, dict) else None,
        "orders": [{k: o.get(k) for k in ("id", "status", "total")} for o in orders_of(results)[:limit]],
    }


def fit(body: dict[str, Any]) -> str:
    """The body as JSON within MAX_RESPONSE_BYTES: orders are dropped from the end until it fits."""
    text = json.dumps(body, separators=(",", ":"))
    while len(text.encode()) > MAX_RESPONSE_BYTES and body["orders"]:
        body["orders"].pop()
        body["truncated"] = True
        text = json.dumps(body, separators=(",", ":"))
    return text


def caller(event: dict[str, Any]) -> str | None:
    """Whose page this is: the token's subject, or, for a partner signing with IAM, ?customer=."""
    authorizer = event.get("requestContext", {}).get("authorizer", {})
    if "jwt" in authorizer:
        return authorizer["jwt"].get("claims", {}).get("sub")
    return (event.get("queryStringParameters") or {}).get("customer")


def correlation_id_of(event: dict[str, Any]) -> str:
    """The caller's x-correlation-id when it sends one (at most 128 characters), else the API's request id."""
    sent = (event.get("headers") or {}).get("x-correlation-id", "")
    return sent if 0 < len(sent) <= 128 else event.get("requestContext", {}).get("requestId", "")


def respond(status: int, body: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": body}


@tracer.capture_method
def serve(event: dict[str, Any], compact: bool, limit: int) -> dict[str, Any]:
    """GET /home for one kind of client: every service at once, the client's shape, partial
    (partial: true, unavailable: [...]) when a service failed or was late, 502 when none answered.
    `limit` is how many orders the client's screen lists."""
    correlation_id = correlation_id_of(event)
    logger.set_correlation_id(correlation_id)
    user = caller(event)
    if not user:
        return respond(400, json.dumps({"message": "no customer: send ?customer= with a signed request"}))
    results, unavailable = gather(user, limit, correlation_id)
    metrics.add_metric(name="Responses", unit=MetricUnit.Count, value=1)
    if unavailable:
        metrics.add_metric(name="PartialResponses", unit=MetricUnit.Count, value=1)
    if not results:
        return respond(502, json.dumps({"message": "no downstream service answered", "unavailable": unavailable}))
    body = compact_shape(results, limit) if compact else full_shape(results, limit)
    body.update({"partial": bool(unavailable), "unavailable": unavailable, "truncated": False})
    return respond(200, fit(body))
{% if let Some(b) = plan.bff %}{% for c in b.clients %}

@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def {{ c.name }}(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The {{ c.name }} backend ({{ c.id }}Function): GET /home in the {% if c.compact %}compact{% else %}full{% endif %} shape."""
    return serve(event, compact={% if c.compact %}True{% else %}False{% endif %}, limit={{ c.list_limit }})
{%- endfor %}{% endif %}
