"""The school staff's pages rendered from the views' output, read back as HTML: the counts a secretary sees, French
words, the masked address, the forms a role may use (and that a reader never gets), the confirmation naming the
student, and what assistive technologies rely on (one h1, headings in order, captions, header scopes, labels)."""

from datetime import timedelta
from itertools import pairwise

import pytest

from ent_accounts.accounts import Role, Status
from ent_accounts.console.account_page import account_page, delete_confirmation
from ent_accounts.console.chase import chase_list
from ent_accounts.console.dashboard import dashboard
from ent_accounts.console.listing import account_list
from ent_accounts.console.uploads import ACCEPT, import_outcome, import_preview
from ent_accounts.flows.provisioning import ImportResult, Issued
from ent_accounts.web.pages import page
from tests.support.console_accounts import NOW, SCHOOL, school, student
from tests.support.html_reading import Page, read_page
from tests.unit.test_console_views import GOOD, account, events

READER = frozenset({"list", "view"})
MANAGER = frozenset({"list", "view", "import", "letters", "reset", "delete"})
CSRF = "jeton-csrf-de-test"


def render(template: str, allowed=MANAGER, **context) -> Page:
    answer = page(
        f"etablissement/{template}",
        csrf_token=CSRF,
        school=SCHOOL,
        allowed=allowed,
        school_name="Collège Jean Moulin",
        **context,
    )
    assert answer.status_code == 200 and "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    return read_page(answer.body)


def accessible(shown: Page) -> None:
    """What a screen reader user needs of every console page."""
    levels = [level for level, _ in shown.headings]
    assert levels.count(1) == 1 and levels[0] == 1, shown.headings
    assert all(b - a <= 1 for a, b in pairwise(levels)), shown.headings
    for table in shown.tables:
        assert table.caption, "every table has a caption"
        assert table.headers and all(scope == "col" for _, scope in table.headers), table.caption
    for control in shown.controls:
        if control.get("type") != "hidden":
            assert control.get("id") in shown.labels, control
    for form in shown.forms:
        if form.method == "post":
            assert form.inputs["csrf_token"]["value"] == CSRF


def cells(shown: Page, caption: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in shown.table(caption).rows}


# --- dashboard -------------------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_counts_by_class_and_status():
    shown = render("tableau_de_bord.html", view=dashboard(school(), NOW, SCHOOL))
    accessible(shown)
    assert shown.title == "Tableau de bord – Services en ligne"
    assert [h for h in shown.table("Élèves par classe").headers] == [
        ("Classe", "col"),
        ("Première connexion à faire", "col"),
        ("Adresse mail à valider", "col"),
        ("Actif", "col"),
        ("Total", "col"),
    ]
    students = cells(shown, "Élèves par classe")
    assert students["4e B"] == ["2", "2", "1", "5"]
    assert students["Sans classe"] == ["0", "0", "1", "1"]
    assert students["Élèves"] == ["3", "3", "2", "8"]  # the totals row
    parents = cells(shown, "Parents par classe")
    assert parents["Sans enfant lié"] == ["0", "1", "0", "1"] and parents["Parents"] == ["1", "1", "1", "3"]
    assert "11 comptes : 8 élèves et 3 parents" in shown.text


def test_the_dashboard_shows_the_deadlines_of_the_coming_weeks_with_links():
    shown = render("tableau_de_bord.html", view=dashboard(school(), NOW, SCHOOL))
    soon = cells(shown, "Comptes arrivant à échéance")
    assert soon["Adresse mail à valider, sinon le compte est supprimé"] == [
        "2 comptes à valider dans la semaine",
        "3 comptes à valider dans les 2 semaines",
        "3 comptes à valider dans les 4 semaines",
    ]
    assert soon["Mot de passe provisoire qui expire (lettre pas encore utilisée)"][:2] == ["0", "0"]
    assert ("/etablissement/0341234A/a-relancer?semaines=1", "2 comptes à valider dans la semaine") in shown.links
    assert "1 lettre d'accès a expiré sans avoir servi" in shown.text
    assert "le 8 décembre 2026 à 10 h 00" in shown.text  # Paris time


def test_a_reader_s_menu_has_no_import():
    shown = render("tableau_de_bord.html", allowed=READER, view=dashboard(school(), NOW, SCHOOL))
    menu = [text for href, text in shown.links if href.startswith("/etablissement/")]
    assert "Importer une liste" not in menu and "Lettres d'accès" not in menu and "Comptes" in menu
    assert "Importer une liste" in [t for _, t in render("tableau_de_bord.html", view=dashboard([], NOW, SCHOOL)).links]


# --- the list ------------------------------------------------------------------------------------------------------


def test_the_list_page_shows_the_rows_found_and_the_search_form():
    shown = render("comptes.html", view=account_list(school(), NOW, SCHOOL, {"q": "zoe"}))
    accessible(shown)
    search = shown.form("/etablissement/0341234A/comptes")
    assert search.method == "get" and search.inputs["q"]["value"] == "zoe"
    assert shown.labels["q"].startswith("Nom, prénom ou identifiant")
    rows = shown.table("Comptes trouvés").rows
    assert rows == [["Le Bihan Zoé", "zlebihan", "Élève", "4e B", "Actif", "—", "—"]]
    assert ("/etablissement/0341234A/comptes/zlebihan", "Le Bihan Zoé") in shown.links
    assert "1 compte sur 11." in shown.text
    assert not any(form.method == "post" for form in shown.forms)


def test_the_list_page_links_its_pages_and_says_dropped_filters():
    many = [student(f"e{n:03d}", "Élève", f"Nom{n:03d}", "6e 1") for n in range(120)]
    shown = render("comptes.html", view=account_list(many, NOW, SCHOOL, {"page": "2", "statut": "?"}))
    accessible(shown)
    assert "Ce statut n'existe pas" in shown.text
    assert "120 comptes : 51 à 100 affichés (page 2 sur 3)." in shown.text
    pages = [(href, text) for href, text in shown.links if text.isdigit() or text.startswith("Page")]
    assert ("/etablissement/0341234A/comptes?page=3", "3") in pages
    assert ("/etablissement/0341234A/comptes", "1") in pages
    assert ("/etablissement/0341234A/comptes", "Page précédente") in pages


def test_what_was_typed_is_shown_escaped():
    shown = render("comptes.html", view=account_list(school(), NOW, SCHOOL, {"q": '<b>"x'}))
    assert shown.form("/comptes").inputs["q"]["value"] == '<b>"x'  # an attribute value, not markup
    assert "Aucun compte ne correspond à cette recherche." in shown.text


# --- an account's page ---------------------------------------------------------------------------------------------


def account_html(allowed, **changes) -> Page:
    mother = account(identifier="mdupont", role=Role.PARENT, first_name="Marie", school_class=None)
    view = account_page(account(**changes), [mother], events(), NOW, SCHOOL, allowed)
    return render("compte.html", allowed=allowed, view=view)


def test_the_account_page_says_who_status_deadline_and_the_masked_address():
    shown = account_html(MANAGER)
    accessible(shown)
    assert shown.headings[0] == (1, "Jeanne Dupont")
    for expected in [
        "Identifiant jdupont",
        "Classe 4e B",
        "Date de naissance 14/05/2012",
        "Statut Adresse mail à valider",
        "Adresse mail à valider avant le 2 janvier 2027 à 10 h 00 : sinon le compte sera supprimé.",
        "j…@laposte.net – pas encore validée",
    ]:
        assert expected in shown.text, expected
    assert "jeanne.dupont" not in shown.text and "jeanne.dupont" not in str(shown.links)
    assert ("/etablissement/0341234A/comptes/mdupont", "Marie Dupont") in shown.links


def test_the_audit_trail_is_a_table_in_french():
    shown = account_html(READER)
    trail = shown.table("Historique du compte").rows
    assert trail[0][1:] == ["Première connexion", "Statut : Adresse mail à valider"]
    assert trail[1][1:] == ["Mot de passe réinitialisé par l'établissement", "Par : secretariat@0341234A"]
    assert trail[2][1:] == ["something_new", "—"]


def test_a_reader_sees_no_reset_nor_delete():
    shown = account_html(READER)
    assert shown.forms == []
    assert not any("supprimer" in href or "reinitialiser" in href for href, _ in shown.links)
    assert "Réinitialiser" not in shown.text and "Supprimer" not in shown.text


def test_a_manager_resets_with_a_form_and_deletes_through_a_confirmation():
    shown = account_html(MANAGER)
    reset = shown.form("/etablissement/0341234A/comptes/jdupont/reinitialiser")
    assert reset.method == "post" and reset.buttons == ["Réinitialiser et imprimer une nouvelle lettre"]
    assert "L'adresse non validée est oubliée" in shown.text
    assert (
        "/etablissement/0341234A/comptes/jdupont/supprimer",
        "Supprimer le compte de Jeanne Dupont (4e B)…",
    ) in shown.links
    assert not shown.has_form("/supprimer")  # deleting takes the confirmation step


def test_a_reset_keeps_a_validated_address_and_says_so():
    shown = account_html({"view", "reset"}, status=Status.ACTIVE, email_verified=True, validation_deadline=None)
    assert "L'adresse validée est gardée et sera prévenue" in shown.text
    assert "j…@laposte.net – validée" in shown.text
    assert not any("supprimer" in href for href, _ in shown.links)  # reset allowed, delete not


def test_an_expired_letter_says_to_reset():
    expired = {"status": Status.PROVISIONED, "validation_deadline": None, "email": None}
    shown = account_html(MANAGER, provisional_expires_at=NOW - timedelta(days=3), **expired)
    assert "Le mot de passe provisoire ne fonctionne plus depuis le 30 novembre 2026" in shown.text
    assert "Aucune adresse" in shown.text


def test_the_confirmation_names_the_student_and_the_parents_going_with_them():
    mother = account(identifier="mdupont", role=Role.PARENT, first_name="Marie", school_class=None)
    shown = render("compte_suppression.html", view=delete_confirmation(account(), [mother], SCHOOL))
    accessible(shown)
    assert shown.headings[0] == (1, "Supprimer le compte de Jeanne Dupont (4e B) ?")
    form = shown.form("/etablissement/0341234A/comptes/jdupont/supprimer")
    assert form.method == "post" and form.inputs["confirmation"]["value"] == "jdupont"
    assert form.buttons == ["Supprimer le compte de Jeanne Dupont (4e B)"]
    assert "Ce parent n'a pas d'autre enfant dans l'établissement : son compte sera supprimé aussi." in shown.text
    assert "Marie Dupont" in shown.text
    assert ("/etablissement/0341234A/comptes/jdupont", "Annuler") in shown.links


# --- import by upload ----------------------------------------------------------------------------------------------


def test_the_upload_form_takes_school_files():
    shown = render("import.html", preview=None, accept=ACCEPT)
    accessible(shown)
    form = shown.form("/etablissement/0341234A/import")
    assert form.method == "post" and form.enctype == "multipart/form-data"
    assert form.inputs["fichier"]["type"] == "file" and form.inputs["fichier"]["accept"] == ".csv,.xlsx,.xls,.ods"
    assert shown.labels["fichier"].startswith("Fichier de la liste")
    assert shown.labels["profil"].startswith("Les lignes sans colonne « profil » sont")


def test_a_preview_with_errors_lists_each_line_and_offers_no_import():
    bad = GOOD + b"Martin;Arthur;31/02/2012;4e B;;;;\n"
    shown = render("import.html", preview=import_preview("eleves.csv", bad), accept=ACCEPT)
    accessible(shown)
    assert "Rien n'a été créé : un problème est à corriger" in shown.text
    ((line, message),) = shown.table("Problèmes à corriger").rows
    assert line == "4" and "31/02/2012" in message
    assert cells(shown, "Colonnes utilisées")["A"] == ["« Nom »", "nom de l'élève"]
    assert not shown.has_form("/import/creer")


def test_a_clean_preview_counts_people_and_offers_the_import():
    preview = import_preview("eleves.csv", GOOD)
    shown = render("import.html", preview=preview, accept=ACCEPT, confirm_fields={"cle": "k" * 32})
    accessible(shown)
    assert "Le fichier peut être importé" in shown.text
    assert "2 élèves et 1 responsable légal nommé. Rien n'est encore créé." in shown.text
    assert cells(shown, "Colonnes ignorées") == {"H": ["« Remarque »", "ignorée"]}
    confirm = shown.form("/etablissement/0341234A/import/creer")
    assert confirm.inputs["cle"]["value"] == "k" * 32 and confirm.buttons == ["Créer les comptes"]


def test_the_import_result_links_the_letters():
    created = [Issued(0, account(status=Status.PROVISIONED), "pw"), Issued(1, account(identifier="z"), "pw")]
    view = import_outcome(ImportResult(created, [], [], []), "/etablissement/0341234A/import/lettres.pdf")
    shown = render("import_resultat.html", view=view)
    accessible(shown)
    assert "2 comptes créés" in shown.text and "2 élèves et 0 parent." in shown.text
    assert ("/etablissement/0341234A/import/lettres.pdf", "Télécharger les lettres (PDF, 2 pages)") in shown.links


# --- to chase ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("allowed", [READER, MANAGER])
def test_the_chase_page_lists_deadlines_and_unused_letters(allowed):
    view = chase_list(school(), NOW, SCHOOL, {"semaines": "2"}, allowed=allowed)
    shown = render("a_relancer.html", allowed=allowed, view=view)
    accessible(shown)
    pending = shown.table("Comptes supprimés dans les 2 prochaines semaines").rows
    assert [row[0] for row in pending] == ["Arthur Martin (4e B)", "Lucie Seul", "Bảo Nguyễn (4e B)"]
    assert pending[0][3:] == ["8 décembre 2026 à 10 h 00", "5"]
    assert shown.table("4e B : 1 lettre").rows == [["Chloé Durand (4e B)", "Élève", "Expiré le 2 décembre 2026"]]
    reminders = "/etablissement/0341234A/a-relancer/lettres.pdf?semaines=2"
    assert (reminders, "Télécharger les lettres de rappel (PDF, 3 pages)") in shown.links
    reissue = ("/etablissement/0341234A/lettres", "Réimprimer des lettres d'accès (nouveaux mots de passe)")
    assert (reissue in shown.links) == ("letters" in allowed)


def test_the_letters_page_has_one_form_per_class_and_warns_first():
    from ent_accounts.console.reissue import reissue_page

    shown = render("lettres.html", view=reissue_page(school(), NOW, SCHOOL))
    accessible(shown)
    assert "Les lettres déjà distribuées ne fonctionneront plus" in shown.text
    forms = [f for f in shown.forms if f.action.endswith("/etablissement/0341234A/lettres")]
    assert [(f.inputs.get("classe", {}).get("value"), f.inputs["profil"]["value"]) for f in forms] == [
        ("3e A", "eleve"),
        ("4e B", "eleve"),
        (None, "parent"),
    ]
    assert forms[1].buttons == ["Réimprimer 2 lettres : 4e B"]
    assert cells(shown, "Lettres pas encore utilisées")["4e B"][:2] == ["2", "1"]
