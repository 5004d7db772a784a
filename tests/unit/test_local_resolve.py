"""The local server resolves template.yaml's Globals environment as CloudFormation would, with parameter defaults."""

from local import backends, template


def environment(defaults=None, monkeypatch=None) -> dict[str, str]:
    if defaults:
        merged = {**backends.parameter_defaults(), **defaults}
        monkeypatch.setattr(backends, "parameter_defaults", lambda: merged)
    variables = template.load()["Globals"]["Function"]["Environment"]["Variables"]
    return {name: backends.resolve(value, "t-local", "http://127.0.0.1:3000") for name, value in variables.items()}


def test_globals_resolve_with_the_defaults():
    env = environment()
    assert env["TABLE_NAME"] == "t-local"
    assert env["MAIL_CONFIGURATION_SET"] == "ent-accounts-dev"  # the resource's Name, with Stage's default
    assert env["PUBLIC_BASE_URL"] == ""  # no custom domain, no public URL: the request's own URL
    assert env["POWERTOOLS_LOGGER_SAMPLE_RATE"] == "0.01"


def test_links_follow_the_custom_domain_unless_a_public_url_is_given(monkeypatch):
    env = environment({"CustomDomainName": "comptes.ent.example.fr"}, monkeypatch)
    assert env["PUBLIC_BASE_URL"] == "https://comptes.ent.example.fr"
    env = environment({"CustomDomainName": "comptes.ent.example.fr", "PublicBaseUrl": "https://ent.fr"}, monkeypatch)
    assert env["PUBLIC_BASE_URL"] == "https://ent.fr"
