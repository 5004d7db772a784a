"""The validation mail reads like the leaflet's, in French, with the link and the deadline."""

from datetime import UTC, datetime

from ent_accounts.mail import validation_mail
from ent_accounts.templates import french_date, french_datetime


def test_validation_mail_text_and_html():
    link = "https://ent.example.fr/valider-adresse-mail?code=abc<def>"
    mail = validation_mail("eleve@laposte.net", link, datetime(2027, 2, 28, 14, 37, tzinfo=UTC))
    assert mail.subject == "Message des services en ligne - Activation de votre compte"
    assert "Vous disposez d'un délai de 3 mois pour activer votre compte" in mail.text
    assert "28 février 2027 à 15 h 37" in mail.text  # Paris time (UTC+1 in winter)
    assert link in mail.text
    assert "abc&lt;def&gt;" in mail.html and "<def>" not in mail.html  # escaped in HTML
    assert (
        "reprendre contact avec l'établissement" in mail.html
        or "reprendre contact avec l&#39;établissement" in mail.html
    )


def test_french_dates():
    assert french_date(datetime(2027, 3, 1, 12, tzinfo=UTC)) == "1er mars 2027"
    assert french_datetime(datetime(2027, 8, 15, 22, 5, tzinfo=UTC)) == "16 août 2027 à 0 h 05"
