"""GET /api/openapi.json describes every JSON route of the template, with its bodies and error answers."""

from __future__ import annotations

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
