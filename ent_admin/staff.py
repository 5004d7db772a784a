"""The school staff commands (`staff …`, for ops): invite a member to a school, list a school's staff, disable a
member. They talk to the IAM routes /api/admin/staff…; a school's own administrator invites from the console."""

from __future__ import annotations

from typing import Any

from ent_admin.api import ApiError, Client
from ent_admin.common import Stop, confirm

PATH = "/api/admin/staff"
ROLES = ("administrateur", "gestionnaire", "lecteur")
STATUS_LABELS = {"INVITED": "invité (activation à faire)", "ACTIVE": "actif", "DISABLED": "désactivé"}


def add_commands(commands) -> None:
    group = commands.add_parser(
        "staff",
        help="personnel des établissements (console /etablissement) : inviter, lister, désactiver",
        description="Les comptes du personnel des établissements, avec leur rôle dans chaque établissement.",
    )
    sub = group.add_subparsers(title="commandes", required=True, metavar="COMMANDE")

    invite = sub.add_parser(
        "invite",
        help="inviter un membre du personnel : un lien d'activation lui est envoyé par mail (72 heures)",
        description=(
            "Inviter un membre du personnel dans un établissement, avec un rôle : administrateur (gère le personnel "
            "de l'établissement et tout le reste), gestionnaire (importer, lettres, réinitialiser, supprimer) ou "
            "lecteur (listes seulement). Une adresse déjà connue reçoit le rôle dans cet établissement en plus."
        ),
    )
    invite.set_defaults(command=invite_member)
    invite.add_argument("--email", required=True, help="adresse mail professionnelle")
    invite.add_argument("--first-name", required=True, help="prénom")
    invite.add_argument("--last-name", required=True, help="nom")
    invite.add_argument("--uai", required=True, help="code UAI de l'établissement, par exemple 0341234A")
    invite.add_argument("--role", required=True, choices=ROLES, help="rôle dans cet établissement")

    listing = sub.add_parser("list", help="lister le personnel d'un établissement")
    listing.set_defaults(command=list_members)
    listing.add_argument("--uai", required=True, help="code UAI de l'établissement")

    disable = sub.add_parser("disable", help="désactiver un membre : plus de connexion, ses sessions se terminent")
    disable.set_defaults(command=disable_member)
    disable.add_argument("member_id", metavar="IDENTIFIANT", help="identifiant du membre (voir « staff list »)")
    disable.add_argument("--oui", action="store_true", help="ne pas demander de confirmation")


def _call(client: Client, method: str, path: str, body: Any = None, query: dict | None = None) -> Any:
    try:
        answer = client.call(method, path, body=body, query=query)
    except ApiError as error:
        if error.status == 400:
            lines = [f"Le service a refusé la demande : {error}"]
            lines += [f"  {field} : {message}" for field, message in (error.body.get("fields") or {}).items()]
            raise Stop("\n".join(lines), 2) from None
        raise
    return answer.json() if answer.body else None


def invite_member(args, client: Client, out) -> None:
    body = {
        "email": args.email,
        "first_name": args.first_name,
        "last_name": args.last_name,
        "uai": args.uai,
        "role": args.role,
    }
    member = _call(client, "POST", PATH, body)
    who = f"{member['first_name']} {member['last_name']} ({member['email']})"
    if member["invitation_expires_at"]:
        print(f"Invitation envoyée à {who}, valable jusqu'au {member['invitation_expires_at']}.", file=out)
    else:
        print(f"{who} a maintenant le rôle {args.role} dans l'établissement {args.uai.upper()}.", file=out)
    print(f"Identifiant du membre : {member['member_id']}", file=out)


def list_members(args, client: Client, out) -> None:
    listed = _call(client, "GET", PATH, query={"uai": args.uai})
    uai = listed["uai"]
    header = ["identifiant", "nom", "adresse", "rôle", "statut"]
    rows = [
        [m["member_id"], f"{m['last_name']} {m['first_name']}", m["email"], m["roles"][uai], STATUS_LABELS[m["status"]]]
        for m in listed["staff"]
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip(), file=out)
    count = len(rows)
    print(f"{count} membre{'s' if count > 1 else ''} du personnel dans l'établissement {uai}.", file=out)


def disable_member(args, client: Client, out) -> None:
    confirm(args, f"Désactiver le membre {args.member_id} ? Il ne pourra plus se connecter à la console.")
    member = _call(client, "POST", f"{PATH}/{args.member_id}/disable")
    print(f"{member['first_name']} {member['last_name']} ({member['email']}) est désactivé.", file=out)
