import pytest

from ent_accounts.services import Services
from ent_accounts.settings import Settings, SettingsError, Telemetry


def test_settings_from_environment():
    settings = Settings.from_env({"TABLE_NAME": "t-accounts", "PUBLIC_BASE_URL": "https://ent.example.fr/"})
    assert settings.table_name == "t-accounts"
    assert settings.public_base_url == "https://ent.example.fr"
    assert settings.validation_months == 3


def test_missing_table_is_a_clear_error():
    with pytest.raises(RuntimeError, match="TABLE_NAME"):
        Settings.from_env({})


def test_the_mailer_sends_through_the_configured_set():
    # Without it SES would publish no bounce: the stack's mail events would never come.
    settings = Settings.from_env({"TABLE_NAME": "t-accounts", "MAIL_CONFIGURATION_SET": "ent-accounts-prod"})
    assert Services.from_settings(settings).mailer.configuration_set == "ent-accounts-prod"


def test_a_bad_value_stops_the_start_naming_every_variable():
    env = {"TABLE_NAME": "t", "SESSION_HOURS": "douze", "EXPIRY_SHARDS": "0", "PUBLIC_BASE_URL": "https://e.fr"}
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    assert "SESSION_HOURS='douze': a whole number is expected" in str(raised.value)
    assert "EXPIRY_SHARDS='0': at least 1 is expected" in str(raised.value)
    with pytest.raises(SettingsError, match="POWERTOOLS_LOG_LEVEL='BAVARD'"):
        Telemetry.from_env({"POWERTOOLS_LOG_LEVEL": "BAVARD"})
    with pytest.raises(SettingsError, match="POWERTOOLS_LOGGER_SAMPLE_RATE='2'"):
        Telemetry.from_env({"POWERTOOLS_LOGGER_SAMPLE_RATE": "2"})


def test_telemetry_defaults_are_the_templates_and_read_from_the_environment():
    assert Telemetry.from_env({}) == Telemetry("ent-accounts", "EntAccounts", "local", "INFO", None)
    read = Telemetry.from_env({"POWERTOOLS_SERVICE_NAME": "svc", "POWERTOOLS_LOG_LEVEL": "debug", "STAGE": "prod"})
    assert (read.service_name, read.log_level, read.stage) == ("svc", "DEBUG", "prod")


def test_every_variable_of_the_template_is_a_declared_setting():
    from local import template

    # Read by a library, not by the service: pydantic skips its plugin scan at import (the cold start, issue 20).
    for_libraries = {"PYDANTIC_DISABLE_PLUGINS"}
    declared = set(Settings.variables()) | set(Telemetry.variables()) | for_libraries
    for function in template.functions().values():
        assert set(function.environment) <= declared, function.logical_id
    values = template.load()["Globals"]["Function"]["Environment"]["Variables"]
    # The names the logs and metrics carry are the template's, which the defaults repeat for a bare run.
    assert values["POWERTOOLS_SERVICE_NAME"] == Telemetry().service_name
    assert values["POWERTOOLS_METRICS_NAMESPACE"] == Telemetry().metrics_namespace
