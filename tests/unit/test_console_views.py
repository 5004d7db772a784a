"""The school staff's pages as view models: what they count, find, mask and name, from made-up accounts and a fixed
clock (no store, no HTTP)."""

import io
from datetime import date, timedelta

import pypdf

from ent_accounts.accounts import Account, Role, Status
from ent_accounts.console.account_page import account_page, delete_confirmation
from ent_accounts.console.chase import chase_list, reminder_letters
from ent_accounts.console.dashboard import dashboard
from ent_accounts.console.labels import class_key, fold, mask_email, status_label
from ent_accounts.console.listing import account_list
from ent_accounts.console.uploads import import_outcome, import_preview
from ent_accounts.flows.provisioning import ImportResult, Issued, Person
from ent_accounts.letters import render_pdf
from ent_accounts.store import RecordedEvent
from tests.support.console_accounts import NOW, SCHOOL, UAI, school, student

# --- dashboard -------------------------------------------------------------------------------------------------


def test_the_dashboard_counts_students_and_parents_apart_by_status():
    view = dashboard(school(), NOW, SCHOOL)
    # Columns: first connection to do, address to validate, active.
    assert view.students.counts == (3, 3, 2) and view.students.total == 8
    assert view.parents.counts == (1, 1, 1) and view.total == 11
    assert status_label(Status.PROVISIONED) == "Première connexion à faire"


def test_the_dashboard_counts_students_by_class_with_totals():
    view = dashboard(school(), NOW, SCHOOL)
    rows = {row.label: (row.counts, row.total) for row in view.classes}
    assert rows == {"3e A": ((1, 1, 0), 2), "4e B": ((2, 2, 1), 5), "Sans classe": ((0, 0, 1), 1)}
    assert [row.label for row in view.classes] == ["3e A", "4e B", "Sans classe"]
    assert sum(row.total for row in view.classes) == view.students.total
    four_b = next(row for row in view.classes if row.label == "4e B")
    assert four_b.path == "/etablissement/0341234A/comptes?profil=eleve&classe=4e+B"


def test_a_parent_counts_in_each_child_class_and_once_in_the_total():
    view = dashboard(school(), NOW, SCHOOL)
    rows = {row.label: row.counts for row in view.parent_classes}
    assert rows == {"3e A": (0, 0, 1), "4e B": (1, 0, 1), "Sans enfant lié": (0, 1, 0)}
    assert view.parents.total == 3


def test_deadlines_of_the_coming_weeks_count_pending_accounts_within_each_window():
    view = dashboard(school(), NOW, SCHOOL)
    assert [(soon.weeks, soon.count) for soon in view.validation_soon] == [(1, 2), (2, 3), (4, 3)]
    assert view.validation_soon[0].path == "/etablissement/0341234A/a-relancer?semaines=1"
    assert view.next_deadline == NOW + timedelta(days=5)
    # Five days on, Arthur's deadline has passed (no longer counted) and Bảo's comes within the week.
    later = dashboard(school(), NOW + timedelta(days=5, seconds=1), SCHOOL)
    assert [soon.count for soon in later.validation_soon] == [2, 2, 2]
    assert later.next_deadline == NOW + timedelta(days=6)


def test_provisional_passwords_expiring_soon_and_expired_are_counted():
    view = dashboard(school(), NOW, SCHOOL)
    assert [(soon.weeks, soon.count) for soon in view.provisional_soon] == [(1, 0), (2, 0), (4, 1)]
    assert view.provisional_expired == 1  # Chloé's letter stopped working yesterday
    unknown = dashboard([student("x", "Ana", "Sans", provisional_expires_at=None)], NOW, SCHOOL)
    assert unknown.provisional_expired == 1  # no recorded limit: expired, as the login treats it


# --- the list ----------------------------------------------------------------------------------------------------


def names(view):
    return [f"{row.first_name} {row.last_name}" for row in view.rows]


def test_the_list_is_sorted_by_class_then_name_accents_aside():
    view = account_list(school(), NOW, SCHOOL, {})
    assert names(view)[:7] == [
        "Émile Leroy",
        "Fatou Petit",
        "Jeanne Dupont",
        "Chloé Durand",
        "Zoé Le Bihan",
        "Arthur Martin",
        "Bảo Nguyễn",
    ]
    assert view.matching == view.school_total == 11 and view.pages == 1 and view.page_links == []


def test_search_finds_a_name_without_its_accents_or_capitals():
    assert names(account_list(school(), NOW, SCHOOL, {"q": "zoe"})) == ["Zoé Le Bihan"]
    assert names(account_list(school(), NOW, SCHOOL, {"q": "ZOÉ  le bihan"})) == ["Zoé Le Bihan"]
    assert names(account_list(school(), NOW, SCHOOL, {"q": "nguyen bao"})) == ["Bảo Nguyễn"]
    assert names(account_list(school(), NOW, SCHOOL, {"q": "jdupont"})) == ["Jeanne Dupont"]
    nobody = account_list(school(), NOW, SCHOOL, {"q": "personne"})
    assert nobody.rows == [] and nobody.matching == 0 and nobody.problems == []


def test_filters_by_status_role_and_class():
    pending_students = account_list(school(), NOW, SCHOOL, {"statut": "a-valider", "profil": "eleve"})
    assert names(pending_students) == ["Fatou Petit", "Arthur Martin", "Bảo Nguyễn"]
    in_class = account_list(school(), NOW, SCHOOL, {"classe": "4E b"})
    assert in_class.filters.school_class == "4e B" and in_class.matching == 5
    assert [o.value for o in in_class.class_options] == ["3e A", "4e B", "-"]
    assert [o.selected for o in in_class.class_options] == [False, True, False]
    without = account_list(school(), NOW, SCHOOL, {"classe": "-", "profil": "eleve"})
    assert names(without) == ["Gaël Sansclasse"]


def test_a_filter_that_means_nothing_is_dropped_and_said():
    view = account_list(school(), NOW, SCHOOL, {"statut": "supprime", "profil": "prof", "classe": "9e Z", "page": "x"})
    assert view.matching == 11
    assert view.problems == [
        "Ce statut n'existe pas : les comptes de tous les statuts sont affichés.",
        "Ce profil n'existe pas : élèves et parents sont affichés.",
        "Cette classe n'existe pas dans l'établissement : toutes les classes sont affichées.",
        "Ce numéro de page n'existe pas : voici la première page.",
    ]


def test_the_list_is_paged_with_links_keeping_the_search():
    many = [student(f"e{n:03d}", "Élève", f"Nom{n:03d}", "6e 1") for n in range(120)]
    first = account_list(many, NOW, SCHOOL, {"q": "eleve"})
    assert len(first.rows) == 50 and first.pages == 3 and first.matching == 120
    assert (first.first_shown, first.last_shown) == (1, 50)
    assert first.previous_path is None
    assert first.next_path == "/etablissement/0341234A/comptes?q=eleve&page=2"
    assert [(link.number, link.current) for link in first.page_links] == [(1, True), (2, False), (3, False)]
    last = account_list(many, NOW, SCHOOL, {"q": "eleve", "page": "3"})
    assert len(last.rows) == 20 and (last.first_shown, last.last_shown) == (101, 120)
    assert names(last)[0] == "Élève Nom100"
    for wrong in ("0", "-1", "9" * 40, "²"):
        assert account_list(many, NOW, SCHOOL, {"page": wrong}).page == 1
    beyond = account_list(many, NOW, SCHOOL, {"page": "9"})
    assert beyond.page == 3 and beyond.problems == ["La page 9 n'existe pas : voici la dernière (3)."]


def test_many_pages_show_the_first_the_last_and_those_around():
    many = [student(f"e{n:04d}", "A", f"N{n:04d}") for n in range(1000)]
    view = account_list(many, NOW, SCHOOL, {"page": "10"})
    assert [link.number for link in view.page_links] == [1, None, 8, 9, 10, 11, 12, None, 20]


def test_each_row_links_to_the_account_and_names_its_family():
    view = account_list(school(), NOW, SCHOOL, {"q": "paul martin"})
    (row,) = view.rows
    assert row.path == "/etablissement/0341234A/comptes/pmartin"
    assert row.family == ("Arthur Martin (4e B)", "Fatou Petit (3e A)")
    expired = account_list(school(), NOW, SCHOOL, {"q": "chloe"}).rows[0]
    assert expired.deadline_passed and expired.deadline == NOW - timedelta(days=1)


def test_folding_and_class_order():
    assert fold("  Zoé  LE BIHAN ") == "zoe le bihan" and fold("Œdipe") == "oedipe"
    assert sorted(["6e 10", "6e 2", None, "5e A"], key=class_key) == ["5e A", "6e 2", "6e 10", None]


# --- an account's page ---------------------------------------------------------------------------------------------


def account(**changes) -> Account:
    values = {
        "identifier": "jdupont",
        "uai": UAI,
        "role": Role.STUDENT,
        "first_name": "Jeanne",
        "last_name": "Dupont",
        "school_class": "4e B",
        "birth_date": date(2012, 5, 14),
        "status": Status.PENDING_VALIDATION,
        "email": "jeanne.dupont@laposte.net",
        "validation_deadline": NOW + timedelta(days=30),
        "created_at": NOW - timedelta(days=60),
    }
    return Account(**{**values, **changes})


def events():
    return [
        RecordedEvent("first_connection", NOW - timedelta(days=2), {"status": "PENDING_VALIDATION"}),
        RecordedEvent("password_reset_by_school", NOW - timedelta(days=10), {"by": "secretariat@0341234A"}),
        RecordedEvent("something_new", NOW - timedelta(days=20), {}),
    ]


def test_an_address_is_shown_masked():
    assert mask_email("jeanne.dupont@laposte.net") == "j…@laposte.net"
    assert mask_email("a@b.fr") == "a…@b.fr" and mask_email(None) is None and mask_email("broken") == "…"
    page = account_page(account(), [], [], NOW, SCHOOL, {"view"})
    assert page.address.masked == "j…@laposte.net" and not page.address.validated
    active = account_page(
        account(status=Status.ACTIVE, email_verified=True, pending_email="new@gmail.com"), [], [], NOW, SCHOOL, set()
    )
    assert active.address.validated and active.address.pending == "n…@gmail.com"


def test_the_page_says_status_and_deadline():
    page = account_page(account(), [], [], NOW, SCHOOL, {"view"})
    assert page.status_label == "Adresse mail à valider"
    assert (page.deadline_kind, page.deadline, page.deadline_passed) == ("validation", NOW + timedelta(days=30), False)
    letter = account(status=Status.PROVISIONED, validation_deadline=None, provisional_expires_at=NOW - timedelta(1))
    expired = account_page(letter, [], [], NOW, SCHOOL, {"view"})
    assert (expired.deadline_kind, expired.deadline_passed) == ("provisional", True)


def test_the_audit_trail_is_in_french_and_unknown_types_are_shown_raw():
    page = account_page(account(), [], events(), NOW, SCHOOL, {"view"})
    assert [(e.label, e.known) for e in page.trail] == [
        ("Première connexion", True),
        ("Mot de passe réinitialisé par l'établissement", True),
        ("something_new", False),
    ]
    assert page.trail[0].details == (("Statut", "Adresse mail à valider"),)
    assert page.trail[1].details == (("Par", "secretariat@0341234A"),)


def test_actions_follow_what_the_viewer_may_do():
    reader = account_page(account(), [], [], NOW, SCHOOL, {"list", "view"})
    assert not reader.can_reset and not reader.can_delete
    manager = account_page(account(), [], [], NOW, SCHOOL, {"list", "view", "reset", "delete"})
    assert manager.can_reset and manager.can_delete
    assert manager.reset_path == "/etablissement/0341234A/comptes/jdupont/reinitialiser"


def test_the_family_links_to_each_account():
    mother = account(identifier="mdupont", role=Role.PARENT, first_name="Marie", school_class=None)
    page = account_page(account(), [mother], [], NOW, SCHOOL, {"view"})
    assert page.family_title == "Responsables légaux"
    assert [(m.name, m.path) for m in page.family] == [("Marie Dupont", "/etablissement/0341234A/comptes/mdupont")]


def test_the_deletion_is_confirmed_naming_the_student_and_who_goes_with_them():
    mother = account(identifier="mdupont", role=Role.PARENT, first_name="Marie", school_class=None)
    confirm = delete_confirmation(account(), [mother], SCHOOL)
    assert confirm.question == "Supprimer le compte de Jeanne Dupont (4e B) ?"
    assert confirm.deleted_with == ["Marie Dupont"]
    assert delete_confirmation(mother, [], SCHOOL).question == "Supprimer le compte de Marie Dupont (parent) ?"


# --- import by upload ----------------------------------------------------------------------------------------------

GOOD = (
    "Nom;Prénom;Date de naissance;Classe;Nom resp. 1;Prénom resp. 1;Courriel resp. 1;Remarque\n"
    "Dupont;Jeanne;14/05/2012;4e B;Dupont;Marie;marie.dupont@laposte.net;x\n"
    "Le Bihan;Zoé;02/03/2012;4e B;;;;\n"
).encode()


def test_the_preview_shows_the_columns_used_and_ignored_and_the_counts():
    preview = import_preview("eleves.csv", GOOD)
    assert preview.may_proceed and preview.problems == []
    assert (preview.students, preview.parents, preview.responsables, preview.lines) == (2, 0, 1, 2)
    assert [(c.letter, c.header) for c in preview.used][:4] == [
        ("A", "« Nom »"),
        ("B", "« Prénom »"),
        ("C", "« Date de naissance »"),
        ("D", "« Classe »"),
    ]
    assert [(c.letter, c.header, c.use) for c in preview.ignored] == [("H", "« Remarque »", "ignorée")]
    assert len(preview.rows) == 2 and preview.kind.startswith("CSV")


def test_the_preview_names_each_bad_line_and_keeps_the_columns():
    bad = GOOD + b"Martin;Arthur;31/02/2012;4e B;;;;\n" + b"Petit;;01/01/2012;3e A;;;;\n"
    preview = import_preview("eleves.csv", bad)
    assert not preview.may_proceed and preview.rows == []
    assert [p.line for p in preview.problems] == [4, 5]
    assert "date de naissance « 31/02/2012 » invalide" in preview.problems[0].message
    assert "prénom manquant" in preview.problems[1].message
    assert [c.letter for c in preview.used][:3] == ["A", "B", "C"]  # understood before the problems


def test_the_preview_runs_the_service_checks_too():
    twice = GOOD + b"DUPONT;Jeanne;14/05/2012;4e B;;;;\n" + "Wang 王;Fang;01/01/2012;3e A;;;;\n".encode()
    preview = import_preview("eleves.csv", twice)
    assert [p.line for p in preview.problems] == [4, 5]
    assert "identique à la ligne 2" in preview.problems[0].message
    assert "« 王 » ne peut pas être imprimé" in preview.problems[1].message
    assert not preview.may_proceed


def test_a_file_that_cannot_be_read_is_said_not_500():
    assert import_preview("vide.csv", b"").problems[0].message.startswith("Le fichier « vide.csv » est vide")
    pdf = import_preview("liste.pdf", b"%PDF-1.7\n...")
    assert pdf.problems[0].line is None and "PDF" in pdf.problems[0].message and not pdf.may_proceed
    assert "élèves ou des parents" in import_preview("e.csv", GOOD, "prof").problems[0].message
    long_name = import_preview("x" * 300 + "\n.csv", GOOD)
    assert len(long_name.filename) == 40 and "\n" not in long_name.filename and long_name.may_proceed
    huge = import_preview("gros.csv", b"a" * (4 * 1024 * 1024 + 1))
    assert "trop gros" in huge.problems[0].message


def test_the_outcome_counts_what_the_import_created():
    created = [
        Issued(0, account(status=Status.PROVISIONED), "pw1"),
        Issued(0, account(identifier="mdupont", role=Role.PARENT), "pw2", responsable=0),
    ]
    moved = Person(1, -1, Role.STUDENT, "Le Bihan", "Zoé", school_class="4e B", previous_class="5e B")
    outcome = import_outcome(ImportResult(created, [moved], [("mdupont", "jdupont")], []), "/lettres.pdf")
    assert (outcome.created_students, outcome.created_parents, outcome.recognised, outcome.links) == (1, 1, 1, 1)
    assert outcome.class_changes == ["Zoé Le Bihan : 5e B → 4e B"] and outcome.letters_path == "/lettres.pdf"
    assert import_outcome(ImportResult([], [moved], [], []), "/lettres.pdf").letters_path is None


# --- to chase ------------------------------------------------------------------------------------------------------


def test_pending_accounts_to_chase_soonest_first_within_the_weeks():
    view = chase_list(school(), NOW, SCHOOL, {"semaines": "2"})
    assert [(row.name, row.days_left) for row in view.pending] == [
        ("Arthur Martin (4e B)", 5),
        ("Lucie Seul", 6),
        ("Bảo Nguyễn (4e B)", 12),
    ]
    assert view.reminders_path == "/etablissement/0341234A/a-relancer/lettres.pdf?semaines=2"
    assert len(chase_list(school(), NOW, SCHOOL, {"semaines": "8"}).pending) == 4


def test_unused_letters_expiring_are_grouped_by_class_expired_first():
    view = chase_list(school(), NOW, SCHOOL, {}, allowed={"letters"})
    assert view.weeks == 4
    assert [(g.label, [r.name for r in g.rows]) for g in view.provisional] == [
        ("3e A", ["Émile Leroy (3e A)"]),
        ("4e B", ["Chloé Durand (4e B)"]),
    ]
    assert view.provisional[1].rows[0].days_left is None  # expired
    assert view.letters_path == "/etablissement/0341234A/lettres"
    assert chase_list(school(), NOW, SCHOOL, {}).letters_path is None  # a reader reissues nothing


def test_weeks_out_of_range_fall_back_and_are_said():
    for wrong in ("52", "0", "²", "x", "9" * 30):
        view = chase_list(school(), NOW, SCHOOL, {"semaines": wrong})
        assert view.weeks == 4 and "entre 1 et 13" in view.problems[0]


def test_reminder_letters_print_the_deadline_in_french_with_tu_and_vous():
    letters = reminder_letters(
        school(), NOW, UAI, "https://comptes.ent.example.fr/connexion", 1, None, "Collège Jean Moulin"
    )
    assert [(one.identifier, one.role) for one in letters] == [("amartin", "eleve"), ("lseul", "parent")]
    pages = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(render_pdf(letters))).pages]
    assert len(pages) == 2
    student_page, parent_page = pages
    for expected in [
        "Ton compte attend la validation de ton adresse mail",
        "Collège Jean Moulin (0341234A)",
        "Arthur",
        "amartin",
        "8 décembre 2026",
        "ton compte sera supprimé",
        "« Message des services en ligne – Activation de votre compte »",
        "https://comptes.ent.example.fr/connexion",
    ]:
        assert expected in student_page, expected
    assert "Votre compte attend la validation de votre adresse mail" in parent_page
    assert "votre compte sera supprimé" in parent_page and " tu " not in f" {parent_page} "
    assert "Mot de passe provisoire" not in student_page  # no password: the holder chose theirs


def test_reminder_letters_of_one_class():
    letters = reminder_letters(school(), NOW, UAI, "https://x.example/connexion", 13, "3E A")
    assert [one.identifier for one in letters] == ["fpetit"]


def test_the_confirmation_posts_back_rows_the_api_model_accepts_with_a_key():
    import json

    from ent_accounts.console.uploads import confirmation_fields
    from ent_accounts.web.admin_schemas import CreateAccountsRequest

    fields = confirmation_fields(import_preview("eleves.csv", GOOD))
    request = CreateAccountsRequest.model_validate({"uai": UAI, "accounts": json.loads(fields["lignes"])})
    assert [(row.first_name, row.line, len(row.responsables)) for row in request.accounts] == [
        ("Jeanne", 2, 1),
        ("Zoé", 3, 0),
    ]
    assert len(fields["cle"]) == 32 and fields["cle"] != confirmation_fields(import_preview("e.csv", GOOD))["cle"]
    assert confirmation_fields(import_preview("vide.csv", b"")) == {}


# --- letters printed again -------------------------------------------------------------------------------------------


def test_letters_to_print_again_by_class_then_the_parents():
    from ent_accounts.console.reissue import reissue_page

    view = reissue_page(school(), NOW, SCHOOL)
    assert [(b.label, b.school_class, b.role, b.waiting, b.expired) for b in view.batches] == [
        ("3e A", "3e A", "eleve", 1, 0),
        ("4e B", "4e B", "eleve", 2, 1),  # Jeanne's letter and Chloé's, expired
        ("Parents", None, "parent", 1, 0),
    ]
    assert view.action_path == "/etablissement/0341234A/lettres" and not any(b.too_many for b in view.batches)
    crowded = reissue_page([student(f"e{n}", "A", f"N{n}", "6e 1") for n in range(501)], NOW, SCHOOL)
    assert crowded.batches[0].too_many
