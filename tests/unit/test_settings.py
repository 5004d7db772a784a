import pytest

from ent_accounts.services import Services
from ent_accounts.settings import Settings


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
