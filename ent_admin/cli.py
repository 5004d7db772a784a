"""The commands (in French: school staff type and read them). See README, "Schools: from a list to the letters";
the client registry's commands (`clients …`, for ops) are in ent_admin/clients.py, the grants of IAM identities
(`grants …`, for ops) in ent_admin/grants.py."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from ent_accounts.school_files import SchoolFileError, read_school_file
from ent_admin import clients, files, grants, imports, staff
from ent_admin.api import ApiError, Client, is_local, region_of
from ent_admin.common import Stop, confirm
from ent_admin.files import DEFAULT_FOLDER
from ent_admin.french import FrenchParser, french_argparse, os_error, plural
from ent_admin.progress import Progress
from ent_admin.spreadsheet import csv_bytes

STATUSES = {
    "premiere-connexion": "PROVISIONED",
    "en-attente": "PENDING_VALIDATION",
    "actif": "ACTIVE",
}
STATUS_LABELS = {
    "PROVISIONED": "première connexion à faire",
    "PENDING_VALIDATION": "adresse mail à valider",
    "ACTIVE": "actif",
}
ROLE_LABELS = {"eleve": "élève", "parent": "parent"}
KEEP_LETTERS = (
    "Ce fichier contient les mots de passe provisoires : imprimez-le, distribuez les lettres, puis supprimez-le."
)


def main(argv: list[str] | None = None, client: Client | None = None, out=None) -> int:
    out = out or sys.stdout
    with french_argparse():
        args = parser().parse_args(argv)
    try:
        client = client or make_client(args)
        args.command(args, client, out)
    except Stop as stop:
        print(str(stop), file=sys.stderr)
        return stop.code
    except ApiError as error:
        print(f"Le service a refusé la demande ({error.status}) : {error}", file=sys.stderr)
        for field, message in (error.body.get("fields") or {}).items():
            print(f"  {field} : {message}", file=sys.stderr)
        return 1
    except OSError as error:  # files are read and written through ent_admin.files: this is the network
        print(f"Le service est injoignable : {_network_error(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\nInterrompu. Une importation interrompue reprend là où elle en était : relancez la même commande.",
            file=sys.stderr,
        )
        return 130
    return 0


def parser() -> argparse.ArgumentParser:
    with french_argparse():  # argparse's own texts (--help's, the sections') are taken when the parser is built
        return _parser()


def _parser() -> argparse.ArgumentParser:
    root = FrenchParser(
        prog="ent-admin",
        description=(
            "Comptes ENT d'un établissement : importer une liste, imprimer les lettres, réinitialiser, suivre, "
            "lier parents et enfants ; services enregistrés (clients) ; identités IAM et leurs établissements (grants)."
        ),
        epilog=(
            "Les lettres et les listes sont écrites lisibles par vous seul, dans le dossier choisi avec --dossier "
            f"(par défaut ~/{DEFAULT_FOLDER}). « ent-admin COMMANDE --help » détaille chaque commande."
        ),
    )
    root.add_argument("--url", default=os.environ.get("ENT_API_URL"), help="adresse du service (ou ENT_API_URL)")
    root.add_argument("--region", help="région AWS de l'API (déduite de l'adresse execute-api sinon)")
    root.add_argument("--profile", help="profil AWS à utiliser pour signer les demandes")
    root.add_argument("--sans-signature", action="store_true", help="ne pas signer (serveur local : par défaut)")
    commands = root.add_subparsers(title="commandes", required=True, metavar="COMMANDE")

    def command(name: str, handler, help_text: str, identifier: bool = False, **extra) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=extra.pop("description", help_text), **extra)
        sub.set_defaults(command=handler)
        if identifier:
            sub.add_argument("identifiant", help="identifiant du compte, par exemple jdupont12")
        sub.add_argument("--uai", required=True, help="code UAI de l'établissement, par exemple 0341234A")
        return sub

    def school_name(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--etablissement",
            help="nom de l'établissement imprimé sur les lettres (retenu pour ce code UAI : à donner une fois)",
        )

    def folder(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--dossier",
            type=Path,
            help=f"dossier où écrire les lettres (par défaut ~/{DEFAULT_FOLDER}, créé lisible par vous seul)",
        )

    sub = command(
        "importer",
        import_list,
        "créer les comptes d'une liste (CSV, .xlsx, .ods, export SIECLE) et produire les lettres d'accès",
        description=(
            "Créer les comptes d'une liste et produire les lettres d'accès. La liste est lue telle que le logiciel de "
            "l'établissement l'exporte : CSV d'Excel ou de LibreOffice (UTF-8, avec ou sans BOM, ou Windows-1252 ; "
            "« ; », « , » ou tabulation), classeur Excel (.xlsx, .xls) ou LibreOffice (.ods), export élèves de "
            "SIECLE avec les responsables légaux. Avant tout envoi, la commande dit quelle colonne sert à quoi. "
            "Une liste de plus de 2 000 lignes est envoyée en plusieurs parties ; relancée après un échec, "
            "la même commande reprend sans recréer les comptes."
        ),
    )
    sub.add_argument(
        "fichier", type=Path, help="la liste : CSV, .xlsx ou .ods (nom, prénom, date de naissance, classe, profil…)"
    )
    sub.add_argument("--lettres", type=Path, help="PDF des lettres (par défaut : <dossier>/<liste>-lettres.pdf)")
    folder(sub)
    school_name(sub)
    sub.add_argument("--profil", default="eleve", choices=["eleve", "parent"], help="profil si la colonne manque")

    sub = command("lettres", reissue_letters, "réimprimer des lettres (de nouveaux mots de passe provisoires)")
    sub.add_argument("--classe", help="les comptes d'une classe, par exemple « 4e B »")
    sub.add_argument("--profil", choices=["eleve", "parent"], help="seulement les élèves, ou les parents")
    sub.add_argument(
        "--identifiant", action="append", default=[], dest="identifiants", help="un compte (option répétable)"
    )
    school_name(sub)
    sub.add_argument("--sortie", type=Path, help="PDF des lettres à produire (par défaut : dans le dossier)")
    folder(sub)
    sub.add_argument("--oui", action="store_true", help="ne pas demander de confirmation")

    sub = command("reinitialiser", reset, "nouveau mot de passe provisoire pour un compte", identifier=True)
    sub.add_argument("--lettre", type=Path, help="PDF de la lettre (par défaut : <dossier>/<identifiant>.pdf)")
    folder(sub)
    school_name(sub)
    sub.add_argument("--oui", action="store_true", help="ne pas demander de confirmation")

    sub = command("lister", list_accounts, "lister les comptes, avec leur statut et leur échéance")
    sub.add_argument("--statut", choices=sorted(STATUSES), help="seulement les comptes de ce statut")
    sub.add_argument("--classe", help="seulement les comptes de cette classe")
    sub.add_argument("--csv", type=Path, help="écrire la liste dans ce fichier CSV (pour un tableur)")

    command("voir", show, "voir un compte (et ses liens parent-enfant)", identifier=True)
    sub = command("supprimer", delete, "supprimer un compte", identifier=True)
    sub.add_argument("--oui", action="store_true", help="ne pas demander de confirmation")

    for name, handler, help_text in (
        ("lier", link, "lier un parent à son enfant (quand la liste ne pouvait pas le dire)"),
        ("delier", unlink, "retirer le lien entre un parent et un enfant"),
    ):
        sub = command(name, handler, help_text)
        sub.add_argument("parent", help="identifiant du parent")
        sub.add_argument("enfant", help="identifiant de l'élève")
        if name == "delier":
            sub.add_argument("--oui", action="store_true", help="ne pas demander de confirmation")

    clients.add_commands(commands)
    grants.add_commands(commands)
    staff.add_commands(commands)
    return root


def make_client(args) -> Client:
    if not args.url:
        raise Stop("Indiquez l'adresse du service : --url https://… (ou la variable ENT_API_URL).", 2)
    if args.sans_signature or is_local(args.url):
        return Client(args.url, sign=False)
    import botocore.session

    session = botocore.session.Session(profile=args.profile)
    credentials = session.get_credentials()
    if credentials is None:
        raise Stop("Aucun identifiant AWS trouvé : configurez-les (aws configure, aws sso login ou variables AWS_*).")
    region = args.region or region_of(args.url) or session.get_config_variable("region")
    if not region:
        raise Stop("Région AWS inconnue : ajoutez --region (par exemple eu-west-3).", 2)
    return Client(args.url, sign=True, region=region, credentials=credentials)


# --- commands ----------------------------------------------------------------------------------------------


def import_list(args, client: Client, out) -> None:
    school_name = _school_name(args)
    data = files.read_input(args.fichier)
    try:
        school_file = read_school_file(args.fichier.name, data, args.profil)
    except SchoolFileError as error:
        raise Stop("Rien n'a été envoyé : corrigez le fichier.\n" + "\n".join(error.problems), 2) from None
    for line in school_file.describe():  # what is read from which column, before anything is sent
        print(line, file=out)
    rows = school_file.rows
    if not rows:
        raise Stop("Rien n'a été envoyé : la liste ne contient aucune personne.", 2)
    # The folder is made before any account is: a folder that cannot be written stops here, with nothing created.
    folder = files.output_folder(args.dossier)
    letters_path = args.lettres or folder / f"{args.fichier.stem}-lettres.pdf"
    listing = folder / f"{args.fichier.stem}-identifiants.csv"
    state = imports.State(args.fichier.with_name(args.fichier.name + ".cle-import"), args.uai)
    imported = imports.send(client, args.uai, rows, state, out)
    _write_letters(letters_path, imported.accounts, imported.uai, imported.login_url, school_name)
    _write_identifiers(listing, imported.accounts)
    state.remove()
    created = plural(len(imported.accounts), "compte créé", "comptes créés")
    if imported.existing is None:
        print(f"{created} pour l'établissement {imported.uai}.", file=out)
    else:
        present = plural(len(imported.existing), "déjà présent", "déjà présents")
        print(f"{created}, {present} pour l'établissement {imported.uai}.", file=out)
        for one in imported.existing:  # those whose class changed (a new school year): the others are only counted
            if one.get("previous_class"):
                line = rows[one["row"]].line if 0 <= one.get("row", -1) < len(rows) else "?"
                moved = f"classe {one['previous_class']} → {one.get('class') or 'aucune'}"
                print(f"  Ligne {line} : {_who({**one, 'class': None})} déjà présent, {moved}", file=out)
    if imported.links:
        print(f"{plural(len(imported.links), 'lien parent-enfant ajouté', 'liens parent-enfant ajoutés')}.", file=out)
    count = plural(len(imported.accounts), "lettre")
    print(f"Lettres d'accès ({count}) : {letters_path} ({KEEP_LETTERS})", file=out)
    print(f"Identifiants (sans mot de passe) : {listing}", file=out)


def reissue_letters(args, client: Client, out) -> None:
    school_name = _school_name(args)
    body = {
        "uai": args.uai,
        "class": args.classe,
        "role": args.profil,
        "identifiers": args.identifiants,
        "school_name": school_name,
    }
    if not (args.classe or args.profil or args.identifiants):
        raise Stop("Choisissez les lettres à réimprimer : --classe, --profil ou --identifiant.", 2)
    folder = files.output_folder(args.dossier) if not args.sortie else None
    path = args.sortie or folder / _letters_name(args)
    confirm(args, "Les lettres déjà distribuées à ces comptes ne fonctionneront plus. Continuer ?")
    print("Le service prépare les lettres (une minute au plus pour 500 lettres)…", file=sys.stderr)
    answer = client.call("POST", "/api/admin/letters", body=body, headers={"Accept": "application/pdf"})
    files.write_private(path, answer.body)
    count = answer.headers.get("x-letters-count", "")
    label = plural(int(count), "lettre") if count.isdigit() else "Lettres"
    print(f"{label} : {path} ({KEEP_LETTERS})", file=out)


def reset(args, client: Client, out) -> None:
    school_name = _school_name(args)
    account = _account(client, args)
    folder = files.output_folder(args.dossier) if not args.lettre else None
    question = f"Réinitialiser le mot de passe de {_who(account)} ?"
    if account.get("status") == "ACTIVE":
        question += (
            f"\nCe compte est actif : son mot de passe actuel ne fonctionnera plus, toutes ses sessions seront "
            f"fermées et {_pronoun(account)} devra refaire sa première connexion avec la nouvelle lettre"
            + (" (un message le prévient à son adresse validée)." if account.get("email_verified") else ".")
        )
    confirm(args, question)
    answer = client.call(
        "POST", f"/api/admin/accounts/{_quote(args.identifiant)}/password-reset", query={"uai": args.uai}
    ).json()
    path = args.lettre or folder / f"{answer['identifier']}.pdf"
    _write_letters(path, [answer], answer["uai"], answer["login_url"], school_name)
    print(f"Compte {answer['identifier']} : nouveau mot de passe provisoire {answer['provisional_password']}", file=out)
    print(f"valable jusqu'au {_day(answer['provisional_expires_at'])} ; toutes ses sessions sont fermées.", file=out)
    print(f"Lettre : {path} ({KEEP_LETTERS})", file=out)


def list_accounts(args, client: Client, out) -> None:
    query = {"uai": args.uai, "status": STATUSES.get(args.statut) if args.statut else None, "class": args.classe}
    accounts = client.call("GET", "/api/admin/accounts", query=query).json()["accounts"]
    rows = [
        [
            a["identifier"],
            a["last_name"],
            a["first_name"],
            a.get("class") or "",
            STATUS_LABELS.get(a["status"], a["status"]),
            _day(a["deadline"]) if a.get("deadline") else "",
            "dépassée" if a.get("deadline_passed") else "",
        ]
        for a in accounts
    ]
    header = ["identifiant", "nom", "prénom", "classe", "statut", "échéance", ""]
    if args.csv:
        files.write_private(args.csv, csv_bytes([[*header[:-1], "échéance dépassée"], *rows]))
        print(f"{plural(len(rows), 'compte')} : {args.csv}", file=out)
        return
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip(), file=out)
    print(f"{plural(len(rows), 'compte')}.", file=out)


def show(args, client: Client, out) -> None:
    account = _account(client, args)
    print(f"{account['first_name']} {account['last_name']} ({account['identifier']})", file=out)
    labels = [
        ("profil", ROLE_LABELS.get(account.get("role"), account.get("role"))),
        ("classe", account.get("class") or "aucune"),
        ("statut", STATUS_LABELS.get(account.get("status"), account.get("status"))),
        ("date de naissance", _birth_day(account.get("birth_date")) or "non donnée"),
        ("adresse mail", _email_label(account)),
    ]
    if account.get("status") == "PROVISIONED" and account.get("provisional_expires_at"):
        labels.append(("lettre valable jusqu'au", _day(account["provisional_expires_at"])))
    if account.get("status") == "PENDING_VALIDATION" and account.get("validation_deadline"):
        labels.append(("adresse à valider avant le", _day(account["validation_deadline"])))
    if account.get("deadline_passed"):
        labels.append(("échéance", "dépassée"))
    if account.get("created_at"):
        labels.append(("créé le", _day(account["created_at"])))
    for name, people in (("enfants", account.get("children")), ("responsables", account.get("responsables"))):
        if people is not None:
            labels.append((name, ", ".join(_who(person) for person in people) or "aucun"))
    width = max(len(name) for name, _ in labels)
    for name, value in labels:
        print(f"  {name.ljust(width)} : {value}", file=out)


def delete(args, client: Client, out) -> None:
    account = _account(client, args)
    confirm(args, f"Supprimer le compte de {_who(account)} ? Son identifiant ne sera plus jamais attribué.")
    client.call("DELETE", f"/api/admin/accounts/{_quote(args.identifiant)}", query={"uai": args.uai})
    print(f"Compte de {_who(account)} supprimé.", file=out)


def link(args, client: Client, out) -> None:
    body = {"uai": args.uai, "parent": args.parent.strip().lower(), "child": args.enfant.strip().lower()}
    try:
        client.call("POST", "/api/admin/links", body=body)
    except ApiError as error:
        if error.status == 409 and error.body.get("error") == "already_linked":
            raise Stop(f"{body['parent']} est déjà lié à {body['child']} : rien n'a changé.", 1) from None
        raise
    print(f"{body['parent']} est maintenant lié à son enfant {body['child']}.", file=out)


def unlink(args, client: Client, out) -> None:
    parent, child = args.parent.strip().lower(), args.enfant.strip().lower()
    confirm(args, f"Retirer le lien entre le parent {parent} et l'enfant {child} ?")
    client.call("DELETE", "/api/admin/links", query={"uai": args.uai, "parent": parent, "child": child})
    print(f"Le lien entre {parent} et {child} est retiré.", file=out)


# --- helpers -----------------------------------------------------------------------------------------------


def _account(client: Client, args) -> dict:
    return client.call("GET", f"/api/admin/accounts/{_quote(args.identifiant)}", query={"uai": args.uai}).json()


def _who(person: dict) -> str:
    """Jean Dupont (4e B, jdupont12): whom a question or a line is about."""
    details = ", ".join(part for part in (person.get("class"), person.get("identifier")) if part)
    name = f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()
    return name + (f" ({details})" if details else "")


def _pronoun(account: dict) -> str:
    return "l'élève" if account.get("role") == "eleve" else "le parent"


def _email_label(account: dict) -> str:
    if account.get("email_verified"):
        return "validée (mot de passe oublié possible)"
    if account.get("has_email"):
        return "donnée, pas encore validée"
    return "aucune"


def _school_name(args) -> str | None:
    """--etablissement as the letters print it, checked before anything is sent (the service checks it alike), and
    remembered for the UAI; else the name remembered; else None, and the way to give it is said."""
    from ent_accounts import schools

    uai = schools.normalize_uai(args.uai) or args.uai.strip().upper()
    if (args.etablissement or "").strip():
        if error := schools.school_name_error(args.etablissement):
            raise Stop(f"--etablissement : {error}", 2)
        name = schools.tidy(args.etablissement)
        files.remember_name(uai, name)
        return name
    if name := files.remembered_names().get(uai):
        return name
    print(
        f"Les lettres porteront « Établissement {uai} » : donnez le nom de l'établissement une fois avec "
        f'--etablissement "Collège …", il sera retenu pour {uai}.',
        file=sys.stderr,
    )
    return None


def _letters_name(args) -> str:
    chosen = args.classe or args.profil or ("-".join(args.identifiants[:3]))
    suffix = "".join(c if c.isalnum() else "-" for c in chosen).strip("-")
    return f"lettres-{args.uai.strip().upper()}{'-' + suffix if suffix else ''}.pdf"


def _write_letters(path: Path, accounts: list[dict], uai: str, login_url: str, school_name: str | None) -> None:
    from ent_accounts.letters import Letter, render_pdf

    letters = [
        Letter(
            uai=uai,
            last_name=a["last_name"],
            first_name=a["first_name"],
            role=a["role"],
            school_class=a.get("class"),
            identifier=a["identifier"],
            provisional_password=a["provisional_password"],
            valid_until=datetime.fromisoformat(a["provisional_expires_at"].replace("Z", "+00:00")),
            login_url=login_url,
            school_name=school_name,
            **_children(a),
        )
        for a in sorted(accounts, key=lambda a: (a.get("class") or "", a["last_name"], a["first_name"]))
    ]
    with Progress("Impression des lettres", len(letters), "lettres") as progress:
        data = render_pdf(letters)
        progress.advance(len(letters))
    files.write_private(path, data)


def _children(account: dict) -> dict:
    """A parent's children as their letter names them (the import's answer says who they are)."""
    from ent_accounts.letters import child_line

    children = account.get("children") or []
    return {
        "children": tuple(child_line(c.get("first_name", ""), c.get("last_name", ""), c.get("class")) for c in children)
    }


def _write_identifiers(path: Path, accounts: list[dict]) -> None:
    header = ["nom", "prénom", "classe", "profil", "identifiant"]
    rows = [[a["last_name"], a["first_name"], a.get("class") or "", a["role"], a["identifier"]] for a in accounts]
    files.write_private(path, csv_bytes([header, *rows]))


def _network_error(error: OSError) -> str:
    reason = getattr(error, "reason", None) or error
    return str(reason) if not isinstance(reason, OSError) or not reason.errno else os_error(reason)


def _quote(identifier: str) -> str:
    from urllib.parse import quote

    return quote(identifier.strip(), safe="")


def _day(instant: str) -> str:
    from ent_accounts.templates import french_date

    return french_date(datetime.fromisoformat(instant.replace("Z", "+00:00")))


def _birth_day(day: str | None) -> str | None:
    if not day:
        return None
    from ent_accounts.templates import french_date

    return french_date(datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC))  # a day, not an instant
