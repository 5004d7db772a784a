import pytest

from ent_accounts.settings import Settings


def test_settings_from_environment():
    settings = Settings.from_env({"TABLE_NAME": "t-accounts", "PUBLIC_BASE_URL": "https://ent.example.fr/"})
    assert settings.table_name == "t-accounts"
    assert settings.public_base_url == "https://ent.example.fr"
    assert settings.validation_months == 3


def test_missing_table_is_a_clear_error():
    with pytest.raises(RuntimeError, match="TABLE_NAME"):
        Settings.from_env({})
