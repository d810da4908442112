{%- if let Some(c) = plan.cqrs %}


def auth_headers() -> dict[str, str]:
    return {"authorization": f"Bearer {os.environ['INTEGRATION_JWT']}"} if os.environ.get("INTEGRATION_JWT") else {}


def test_both_apis_refuse_a_request_without_credentials(outputs: dict[str, str]) -> None:
    assert requests.get(f"{outputs['QueryApiUrl']}/items/none", timeout=30).status_code in (401, 403)
    created = requests.post(f"{outputs['CommandApiUrl']}/items", json={"name": "x"}, timeout=30)
    assert created.status_code in (401, 403)


@pytest.mark.skipif(not os.environ.get("INTEGRATION_JWT"), reason="set INTEGRATION_JWT to a token for JwtIssuer and JwtAudience")
def test_a_command_reaches_the_read_model(outputs: dict[str, str]) -> None:
    name = f"integration-{uuid.uuid4()}"
    headers = {**auth_headers(), "idempotency-key": str(uuid.uuid4())}
    created = requests.post(f"{outputs['CommandApiUrl']}/items", json={"name": name}, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    item = created.json()

    def projected() -> dict[str, Any] | None:
        read = requests.get(f"{outputs['QueryApiUrl']}/items/{item['id']}", headers=auth_headers(), timeout=30)
        return read.json() if read.status_code == 200 else None

    assert eventually("the item in the read model", projected)["name"] == name
    # The same key again: the same item, nothing new.
    again = requests.post(f"{outputs['CommandApiUrl']}/items", json={"name": name}, headers=headers, timeout=30)
    assert again.json()["id"] == item["id"]
{%- endif %}
