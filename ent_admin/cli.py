"""The commands (in French: school staff type and read them). See README, "Schools: from a list to the letters";
the client registry's commands (`clients …`, for ops) are in ent_admin/clients.py."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from ent_accounts.school_files import PersonRow, SchoolFileError, read_school_file
from ent_admin import clients
from ent_admin.api import ApiError, Client, is_local, region_of
from ent_admin.common import Stop, confirm
from ent_admin.spreadsheet import write_csv

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
KEEP_LETTERS = (
    "Ce fichier contient les mots de passe provisoires : imprimez-le, distribuez les lettres, puis supprimez-le."
)


def main(argv: list[str] | None = None, client: Client | None = None, out=None) -> int:
    out = out or sys.stdout
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
    except OSError as error:
        print(f"Le service est injoignable : {error}", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m ent_admin",
        description=(
            "Comptes ENT d'un établissement : importer une liste, imprimer les lettres, réinitialiser, suivre ; "
            "services enregistrés (clients)."
        ),
    )
    root.add_argument("--url", default=os.environ.get("ENT_API_URL"), help="adresse du service (ou ENT_API_URL)")
    root.add_argument("--region", help="région AWS de l'API (déduite de l'adresse execute-api sinon)")
    root.add_argument("--profile", help="profil AWS à utiliser pour signer les demandes")
    root.add_argument("--sans-signature", action="store_true", help="ne pas signer (serveur local : par défaut)")
    commands = root.add_subparsers(title="commandes", required=True, metavar="COMMANDE")

    def command(name: str, handler, help_text: str, identifier: bool = False) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(command=handler)
        if identifier:
            sub.add_argument("identifiant")
        sub.add_argument("--uai", required=True, help="code UAI de l'établissement, par exemple 0341234A")
        return sub

    sub = command("importer", import_list, "créer les comptes d'une liste CSV et produire les lettres d'accès")
    sub.add_argument("fichier", type=Path, help="liste CSV : nom, prénom, date de naissance, classe, profil")
    sub.add_argument("--lettres", type=Path, help="PDF des lettres à produire (par défaut : <fichier>-lettres.pdf)")
    sub.add_argument("--etablissement", help="nom de l'établissement imprimé sur les lettres")
    sub.add_argument("--profil", default="eleve", choices=["eleve", "parent"], help="profil si la colonne manque")

    sub = command("lettres", reissue_letters, "réimprimer des lettres (de nouveaux mots de passe provisoires)")
    sub.add_argument("--classe")
    sub.add_argument("--profil", choices=["eleve", "parent"])
    sub.add_argument("--identifiant", action="append", default=[], dest="identifiants")
    sub.add_argument("--etablissement")
    sub.add_argument("--sortie", type=Path, required=True, help="PDF des lettres à produire")
    sub.add_argument("--oui", action="store_true", help="ne pas demander de confirmation")

    sub = command("reinitialiser", reset, "nouveau mot de passe provisoire pour un compte", identifier=True)
    sub.add_argument("--lettre", type=Path, help="PDF de la lettre à produire (par défaut : <identifiant>.pdf)")
    sub.add_argument("--etablissement")

    sub = command("lister", list_accounts, "lister les comptes, avec leur statut et leur échéance")
    sub.add_argument("--statut", choices=sorted(STATUSES))
    sub.add_argument("--classe")
    sub.add_argument("--csv", type=Path, help="écrire la liste dans ce fichier CSV (pour un tableur)")

    command("voir", show, "voir un compte", identifier=True)
    sub = command("supprimer", delete, "supprimer un compte", identifier=True)
    sub.add_argument("--oui", action="store_true", help="ne pas demander de confirmation")

    clients.add_commands(commands)
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
    try:
        school_file = read_school_file(args.fichier.name, args.fichier.read_bytes(), args.profil)
    except SchoolFileError as error:
        raise Stop("Rien n'a été envoyé : corrigez le fichier.\n" + "\n".join(error.problems), 2) from None
    except OSError as error:
        raise Stop(f"Impossible de lire {args.fichier} : {error.strerror}", 2) from None
    for line in school_file.describe():  # what is read from which column, before anything is sent
        print(line, file=out)
    rows = school_file.rows
    body = {"uai": args.uai, "accounts": [row.as_api() for row in rows]}
    key_file = args.fichier.with_name(args.fichier.name + ".cle-import")
    key = _import_key(key_file, body, out)
    try:
        answer = client.call("POST", "/api/admin/accounts", body=body, headers={"Idempotency-Key": key}).json()
    except ApiError as error:
        if error.status == 400:
            key_file.unlink(missing_ok=True)  # nothing was created: a corrected file starts afresh
            raise Stop(_row_problems(error, rows), 2) from None
        raise
    letters_path = args.lettres or args.fichier.with_name(f"{args.fichier.stem}-lettres.pdf")
    _write_letters(letters_path, answer["accounts"], answer["uai"], answer["login_url"], school_name)
    listing = args.fichier.with_name(f"{args.fichier.stem}-identifiants.csv")
    _write_identifiers(listing, answer["accounts"])
    key_file.unlink(missing_ok=True)
    print(f"{len(answer['accounts'])} comptes créés pour l'établissement {answer['uai']}.", file=out)
    print(f"Lettres d'accès : {letters_path} ({KEEP_LETTERS})", file=out)
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
    confirm(args, "Les lettres déjà distribuées à ces comptes ne fonctionneront plus. Continuer ?")
    answer = client.call("POST", "/api/admin/letters", body=body, headers={"Accept": "application/pdf"})
    args.sortie.write_bytes(answer.body)
    print(f"{answer.headers.get('x-letters-count', '?')} lettres : {args.sortie} ({KEEP_LETTERS})", file=out)


def reset(args, client: Client, out) -> None:
    school_name = _school_name(args)
    answer = client.call(
        "POST", f"/api/admin/accounts/{_quote(args.identifiant)}/password-reset", query={"uai": args.uai}
    ).json()
    path = args.lettre or Path(f"{answer['identifier']}.pdf")
    _write_letters(path, [answer], answer["uai"], answer["login_url"], school_name)
    print(f"Compte {answer['identifier']} : nouveau mot de passe provisoire {answer['provisional_password']}", file=out)
    print(f"valable jusqu'au {_day(answer['provisional_expires_at'])} ; toutes ses sessions sont fermées.", file=out)
    print(f"Lettre : {path}", file=out)


def list_accounts(args, client: Client, out) -> None:
    query = {"uai": args.uai, "status": STATUSES.get(args.statut) if args.statut else None, "class": args.classe}
    accounts = client.call("GET", "/api/admin/accounts", query=query).json()["accounts"]
    rows = [
        [
            a["identifier"],
            a["last_name"],
            a["first_name"],
            a.get("class") or "",
            STATUS_LABELS[a["status"]],
            _day(a["deadline"]) if a.get("deadline") else "",
            "dépassée" if a.get("deadline_passed") else "",
        ]
        for a in accounts
    ]
    header = ["identifiant", "nom", "prénom", "classe", "statut", "échéance", ""]
    if args.csv:
        write_csv(args.csv, [[*header[:-1], "échéance dépassée"], *rows])
        print(f"{len(rows)} comptes : {args.csv}", file=out)
        return
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip(), file=out)
    print(f"{len(rows)} comptes.", file=out)


def show(args, client: Client, out) -> None:
    account = client.call("GET", f"/api/admin/accounts/{_quote(args.identifiant)}", query={"uai": args.uai}).json()
    print(json.dumps(account, ensure_ascii=False, indent=2), file=out)


def delete(args, client: Client, out) -> None:
    confirm(args, f"Supprimer le compte {args.identifiant} ? Son identifiant ne sera plus jamais attribué.")
    client.call("DELETE", f"/api/admin/accounts/{_quote(args.identifiant)}", query={"uai": args.uai})
    print(f"Compte {args.identifiant} supprimé.", file=out)


# --- helpers -----------------------------------------------------------------------------------------------


def _import_key(key_file: Path, body: dict[str, Any], out) -> str:
    """The idempotency key of this import, kept beside the file until the letters are written: running the same
    command again after a failure replays the answer instead of creating the accounts twice."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    try:
        kept = json.loads(key_file.read_text(encoding="utf-8"))
        if kept.get("digest") == digest:
            print("Reprise de l'importation précédente de ce fichier (les comptes ne sont pas recréés).", file=out)
            return kept["key"]
    except (OSError, ValueError, AttributeError):
        pass
    key = uuid.uuid4().hex
    key_file.write_text(json.dumps({"key": key, "digest": digest, "uai": body["uai"]}), encoding="utf-8")
    return key


def _school_name(args) -> str | None:
    """--etablissement as the letters print it, checked before anything is sent (the service checks it alike)."""
    from ent_accounts import schools

    if not (args.etablissement or "").strip():
        return None
    if error := schools.school_name_error(args.etablissement):
        raise Stop(f"--etablissement : {error}", 2)
    return schools.tidy(args.etablissement)


def _row_problems(error: ApiError, rows: list[PersonRow]) -> str:
    """The service names rows as accounts[i]: say which line of the file, and whose, in the school's words."""
    lines = [f"Rien n'a été créé : {error}"]
    for field, message in (error.body.get("fields") or {}).items():
        index = field.split("]")[0].removeprefix("accounts[")
        if field.startswith("accounts[") and index.isdigit() and int(index) < len(rows):
            row = rows[int(index)]
            lines.append(f"Ligne {row.line} ({row.first_name} {row.last_name}) : {message}")
        else:
            lines.append(f"{field} : {message}")
    return "\n".join(lines)


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
        )
        for a in sorted(accounts, key=lambda a: (a.get("class") or "", a["last_name"], a["first_name"]))
    ]
    path.write_bytes(render_pdf(letters))


def _write_identifiers(path: Path, accounts: list[dict]) -> None:
    header = ["nom", "prénom", "classe", "profil", "identifiant"]
    rows = [[a["last_name"], a["first_name"], a.get("class") or "", a["role"], a["identifier"]] for a in accounts]
    write_csv(path, [header, *rows])


def _quote(identifier: str) -> str:
    from urllib.parse import quote

    return quote(identifier.strip(), safe="")


def _day(instant: str) -> str:
    from ent_accounts.templates import french_date

    return french_date(datetime.fromisoformat(instant.replace("Z", "+00:00")))
