"""`grants …`: which schools each IAM identity (an integration's role, a support user) may act on through the
service, for ops. See README, "Which schools an IAM caller may act on".

A grant names an IAM role (every session of it holds the grant) or an IAM user, and its schools or all of them;
`set` replaces what the identity held, `change` adds schools and takes others away, keeping the rest (a change made
meanwhile by someone else is kept too). Only an identity holding every school (the AdminPrincipals parameter, or a
grant with --all-schools) may change or list grants; `me` says what the identity running the command holds.
"""

from __future__ import annotations

import json
from typing import Any

from ent_admin.api import ApiError, Client
from ent_admin.common import Stop, confirm

PATH = "/api/admin/grants"
OPTIONS = {
    "principal": "--principal",
    "schools": "--uai",
    "all_schools": "--all-schools",
    "add": "--add",
    "remove": "--remove",
}


def add_commands(commands) -> None:
    group = commands.add_parser(
        "grants",
        help="identités IAM et leurs établissements : donner, lister, retirer",
        description="Les établissements sur lesquels chaque identité IAM (rôle d'une intégration, utilisateur) peut "
        "agir par le service.",
    )
    sub = group.add_subparsers(title="commandes", required=True, metavar="COMMANDE")

    setting = sub.add_parser(
        "set",
        help="donner ses établissements à une identité IAM (à la place de ce qu'elle avait)",
        description="Donner ses établissements à un rôle IAM (toutes ses sessions en profitent) ou à un utilisateur "
        "IAM, à la place de ce qu'il avait.",
    )
    setting.set_defaults(command=set_grant)
    _principal_option(setting)
    schools = setting.add_mutually_exclusive_group(required=True)
    schools.add_argument(
        "--uai", action="append", dest="uais", metavar="UAI", help="un établissement, par exemple 0341234A (répétable)"
    )
    schools.add_argument("--all-schools", action="store_true", help="tous les établissements (exploitation)")
    _json_option(setting)

    change = sub.add_parser(
        "change",
        help="ajouter des établissements à une identité IAM ou lui en retirer, en gardant les autres",
        description="Ajouter des établissements à l'autorisation d'une identité IAM ou lui en retirer ; les autres "
        "restent, même ceux qu'un autre aurait donnés entre-temps.",
    )
    change.set_defaults(command=change_grant)
    _principal_option(change)
    change.add_argument(
        "--add", action="append", default=[], metavar="UAI", help="un établissement à ajouter (répétable)"
    )
    change.add_argument(
        "--remove", action="append", default=[], metavar="UAI", help="un établissement à retirer (répétable)"
    )
    _json_option(change)

    listing = sub.add_parser("list", help="lister les identités IAM autorisées et leurs établissements")
    listing.set_defaults(command=list_grants)
    _json_option(listing)

    remove = sub.add_parser("remove", help="retirer son autorisation à une identité IAM")
    remove.set_defaults(command=remove_grant)
    _principal_option(remove)
    remove.add_argument("--oui", "--yes", action="store_true", help="ne pas demander de confirmation")

    me = sub.add_parser("me", help="les établissements de l'identité IAM qui lance la commande")
    me.set_defaults(command=my_grant)
    _json_option(me)


def _principal_option(parser) -> None:
    parser.add_argument(
        "--principal",
        required=True,
        metavar="ARN",
        help="ARN du rôle (arn:aws:iam::123456789012:role/NomDuRole) ou de l'utilisateur IAM",
    )


def _json_option(parser) -> None:
    parser.add_argument("--json", action="store_true", help="la réponse du service en JSON (pour un script)")


def set_grant(args, client: Client, out) -> None:
    body = {"principal": args.principal, "schools": args.uais or [], "all_schools": args.all_schools}
    stored = _call(client, "PUT", PATH, body)
    if args.json:
        _print_json(stored, out)
        return
    print(f"{stored['arn']} : {_schools(stored)}.", file=out)


def change_grant(args, client: Client, out) -> None:
    if not args.add and not args.remove:
        raise Stop("Donnez au moins un établissement à ajouter (--add) ou à retirer (--remove).", 2)
    stored = _call(client, "PATCH", PATH, {"principal": args.principal, "add": args.add, "remove": args.remove})
    if args.json:
        _print_json(stored, out)
        return
    print(f"{stored['arn']} : {_schools(stored)}.", file=out)


def list_grants(args, client: Client, out) -> None:
    listed = _call(client, "GET", PATH)
    if args.json:
        _print_json(listed, out)
        return
    for principal in listed["admin_principals"]:
        print(f"{principal} : tous les établissements (paramètre AdminPrincipals)", file=out)
    for grant in listed["grants"]:
        print(f"{grant['arn']} : {_schools(grant)} (par {grant['updated_by']}, le {grant['updated_at']})", file=out)
    if not listed["admin_principals"] and not listed["grants"]:
        print("Aucune identité IAM n'est autorisée.", file=out)


def remove_grant(args, client: Client, out) -> None:
    confirm(args, f"Retirer son autorisation à {args.principal} ? Elle n'agira plus sur aucun établissement.")
    try:
        client.call("DELETE", PATH, query={"principal": args.principal})
    except ApiError as error:
        if error.status == 400:
            raise Stop(_input_problems(error), 2) from None
        raise
    print(f"{args.principal} n'agit plus sur aucun établissement.", file=out)


def my_grant(args, client: Client, out) -> None:
    mine = _call(client, "GET", f"{PATH}/me")
    if args.json:
        _print_json(mine, out)
        return
    if mine["all_schools"]:
        held = "tous les établissements" + (" (paramètre AdminPrincipals)" if mine["bootstrap"] else "")
    elif mine["schools"]:
        held = _schools(mine)
    else:
        held = "aucun établissement"
    print(f"{mine['caller']} : {held}.", file=out)


def _schools(grant: dict) -> str:
    if grant["all_schools"]:
        return "tous les établissements"
    count = len(grant["schools"])
    return f"{count} établissement{'s' if count > 1 else ''} ({', '.join(grant['schools'])})"


def _call(client: Client, method: str, path: str, body: Any = None) -> Any:
    """The answer's JSON; the service's refusal of an input, in the options' words (exit code 2)."""
    try:
        answer = client.call(method, path, body=body)
    except ApiError as error:
        if error.status == 400:
            raise Stop(_input_problems(error), 2) from None
        raise
    return answer.json() if answer.body else None


def _input_problems(error: ApiError) -> str:
    lines = [f"Le service a refusé la demande : {error}"]
    for field, message in (error.body.get("fields") or {}).items():
        lines.append(f"  {OPTIONS.get(field.partition('[')[0], field)} : {message}")
    return "\n".join(lines)


def _print_json(value: Any, out) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2), file=out)
