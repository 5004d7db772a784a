"""GET /api/openapi.json describes every JSON route of the template, with its bodies and error answers."""

from __future__ import annotations

from ent_accounts.cas.attributes import CATALOG
from local import template


def test_openapi_document_covers_every_json_route(world):
    answer = world.call("GET", "/api/openapi.json")
    assert answer.status == 200 and answer.header("Content-Type") == "application/json"
    document = answer.json()
    assert document["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    in_template = {
        (route.method, route.path)
        for function in template.functions().values()
        for route in function.routes
        if route.path.startswith("/api/") and route.path != "/api/openapi.json"
    }
    assert documented == in_template


def test_openapi_documents_bodies_and_errors(world):
    document = world.call("GET", "/api/openapi.json").json()
    login = document["paths"]["/api/login"]["post"]
    assert set(login["responses"]) >= {"200", "400", "401", "403", "429"}
    schemas = document["components"]["schemas"]
    assert set(schemas["LoginRequest"]["required"]) == {"identifier", "password"}
    assert set(schemas["ErrorResponse"]["required"]) == {"error", "message"}
    first = schemas["FirstConnectionRequest"]
    assert first["properties"]["birth_date"]["format"] == "date"
    assert "email" not in first["required"]


def test_the_client_registry_is_documented_without_its_secrets(world):
    document = world.call("GET", "/api/openapi.json").json()
    paths = document["paths"]
    # 403: a caller without every school (the registry is for ops).
    assert set(paths["/api/admin/clients"]["post"]["responses"]) == {"201", "400", "403", "409"}
    assert set(paths["/api/admin/clients/{client_id}"]["put"]["responses"]) == {"200", "400", "403", "404", "409"}
    assert set(paths["/api/admin/clients/{client_id}/secret"]["post"]["responses"]) == {
        "200",
        "400",
        "403",
        "404",
        "409",
    }
    schemas = document["components"]["schemas"]
    shown = set(schemas["ClientView"]["properties"])
    assert "client_secret" not in shown and not {"secret_hashes", "subject_salt"} & shown
    assert "client_secret" in schemas["ClientWithSecret"]["properties"]
    create = schemas["ClientCreateRequest"]
    # redirect_uris (OpenID Connect), service_urls (CAS) or both: the registration's rule, not the schema's.
    assert create["additionalProperties"] is False and set(create["required"]) == {"name"}
    method, absent = create["properties"]["token_endpoint_auth_method"]["anyOf"]
    assert method["enum"] == ["client_secret_basic", "client_secret_post", "none"] and absent == {"type": "null"}
    assert create["properties"]["cas_attributes"]["items"]["enum"] == list(CATALOG)
    assert create["properties"]["cas_single_logout"]["default"] is True
    assert {"service_urls", "cas_attributes", "cas_single_logout"} <= shown
