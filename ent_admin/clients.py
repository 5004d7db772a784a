"""`clients …`: the services (OpenID Connect clients, CAS services, or both) allowed to sign students and parents in,
for ops and the académie. See README, "Registering a client".

Each command is one or two calls of the admin routes (/api/admin/clients…). A secret is printed once, by `create`
and `rotate-secret`, with the warning to keep it: the service keeps only its hash. A CAS service alone (service URLs,
no redirect URI) has no secret: its ticket validations do not authenticate. `update` reads the client, changes
what the options name, and sends it back with the version it read: a change made meanwhile is not overwritten.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ent_accounts.cas.attributes import CATALOG as CAS_ATTRIBUTES
from ent_admin.api import ApiError, Client
from ent_admin.common import Stop, confirm

PATH = "/api/admin/clients"
PUBLIC = "none"  # the auth method of a public client
METHODS = ["client_secret_basic", "client_secret_post", PUBLIC]
METHOD_LABELS = {
    "client_secret_basic": "secret (HTTP Basic)",
    "client_secret_post": "secret (formulaire)",
    "none": "public (PKCE seul)",
}
# The API's fields, as the options spell them (for its error messages).
OPTIONS = {
    "client_id": "--client-id",
    "name": "--name",
    "redirect_uris": "--redirect-uri",
    "post_logout_redirect_uris": "--post-logout-redirect-uri",
    "backchannel_logout_uri": "--backchannel-logout-uri",
    "initiate_login_uri": "--initiate-login-uri",
    "token_endpoint_auth_method": "--auth-method",
    "schools": "--schools",
    "all_schools": "--all-schools",
    "pairwise_subject": "--pairwise",
    "grace_hours": "--grace-hours",
    "service_urls": "--service-url",
    "cas_attributes": "--cas-attributes",
    "cas_single_logout": "--cas-single-logout",
}
# Every field of a registration, as the API names them (what `update` sends back).
REGISTERED = (
    "name",
    "redirect_uris",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "initiate_login_uri",
    "token_endpoint_auth_method",
    "schools",
    "all_schools",
    "pairwise_subject",
    "service_urls",
    "cas_attributes",
    "cas_single_logout",
)
KEEP_IT = (
    "Conservez-le maintenant dans la configuration du service (ou un coffre de secrets) : il n'est gardé que sous "
    "forme d'empreinte et ne pourra plus jamais être affiché. Perdu, il se remplace : clients rotate-secret {client_id}"
)


def add_commands(commands) -> None:
    group = commands.add_parser(
        "clients",
        help="services enregistrés (OpenID Connect, CAS) : enregistrer, lister, modifier, supprimer, secret",
        description="Les services autorisés à connecter les élèves et les parents (clients OpenID Connect, "
        "services CAS, ou les deux).",
    )
    sub = group.add_subparsers(title="commandes", required=True, metavar="COMMANDE")

    create = sub.add_parser(
        "create",
        help="enregistrer un service : son secret est affiché cette seule fois",
        description=(
            "Enregistrer un service : au moins une adresse de retour OpenID Connect (--redirect-uri) ou une adresse "
            "de service CAS (--service-url), ou les deux. Un service CAS seul n'a pas de secret."
        ),
    )
    create.set_defaults(command=create_client)
    create.add_argument("--client-id", help="identifiant choisi (sinon fabriqué à partir du nom)")
    _registration_options(create, required=True)
    create.add_argument(
        "--pairwise", action="store_true", help="un sub propre à ce service (ne pourra plus changer ensuite)"
    )
    _json_option(create)

    listing = sub.add_parser("list", help="lister les services enregistrés")
    listing.set_defaults(command=list_clients)
    _json_option(listing)

    show = sub.add_parser("show", help="voir un service enregistré (jamais son secret)")
    show.set_defaults(command=show_client)
    show.add_argument("client_id", metavar="IDENTIFIANT")
    _json_option(show)

    update = sub.add_parser(
        "update",
        help="modifier un service : seules les options données changent",
        description=(
            "Modifier un service : seules les options données changent (une option répétable donnée remplace toute "
            "la liste ; une valeur vide « » retire l'adresse ou vide la liste). Le secret ne change pas."
        ),
    )
    update.set_defaults(command=update_client)
    update.add_argument("client_id", metavar="IDENTIFIANT")
    _registration_options(update, required=False)
    _json_option(update)

    delete = sub.add_parser("delete", help="supprimer un service : il ne pourra plus connecter personne")
    delete.set_defaults(command=delete_client)
    delete.add_argument("client_id", metavar="IDENTIFIANT")
    delete.add_argument("--oui", "--yes", action="store_true", help="ne pas demander de confirmation")

    rotate = sub.add_parser(
        "rotate-secret",
        help="donner un nouveau secret à un service (l'ancien fonctionne encore pendant le délai de grâce)",
    )
    rotate.set_defaults(command=rotate_secret)
    rotate.add_argument("client_id", metavar="IDENTIFIANT")
    rotate.add_argument(
        "--grace-hours",
        type=int,
        default=24,
        help="heures pendant lesquelles l'ancien secret fonctionne encore (24 par défaut ; 0 pour un secret divulgué)",
    )
    _json_option(rotate)


def _registration_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--name", required=required, help="nom montré aux élèves : « Connexion à : … »")
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        metavar="URI",
        help="OpenID Connect : adresse de retour exacte, en https:// (répétable)",
    )
    parser.add_argument(
        "--post-logout-redirect-uri",
        action="append",
        dest="post_logout_redirect_uris",
        metavar="URI",
        help="adresse où revenir après la déconnexion (répétable)",
    )
    parser.add_argument("--backchannel-logout-uri", metavar="URI", help="adresse prévenue à chaque déconnexion")
    parser.add_argument("--initiate-login-uri", metavar="URI", help="adresse qui ouvre ce service depuis /bureau")
    parser.add_argument(
        "--auth-method",
        choices=METHODS,
        help="authentification du service (client_secret_basic par défaut ; none : client public)",
    )
    served = parser.add_mutually_exclusive_group(required=required)
    served.add_argument("--schools", metavar="UAI,UAI", help="établissements servis, par exemple 0341234A,0341235B")
    served.add_argument("--all-schools", action="store_true", default=None, help="tous les établissements")
    parser.add_argument(
        "--service-url",
        action="append",
        dest="service_urls",
        metavar="URL",
        help="CAS : adresse de service https://hôte[:port]/chemin, sans paramètres ; un chemin qui finit par / couvre "
        "tout ce qui est au-dessous (répétable)",
    )
    parser.add_argument(
        "--cas-attributes",
        metavar="NOM,NOM",
        help=f"CAS : attributs remis à la validation d'un ticket, parmi {', '.join(CAS_ATTRIBUTES)} (aucun par défaut)",
    )
    parser.add_argument(
        "--cas-single-logout",
        action=argparse.BooleanOptionalAction,
        help="CAS : prévenir le service (logoutRequest) quand la session finit (oui par défaut)",
    )


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="la réponse du service en JSON (pour un script)")


# --- commands ----------------------------------------------------------------------------------------------------


def create_client(args, client: Client, out) -> None:
    body = {
        "name": args.name,
        "redirect_uris": _uris(args.redirect_uris),
        "post_logout_redirect_uris": _uris(args.post_logout_redirect_uris),
        "backchannel_logout_uri": args.backchannel_logout_uri or None,
        "initiate_login_uri": args.initiate_login_uri or None,
        "schools": _schools(args.schools),
        "all_schools": bool(args.all_schools),
        "pairwise_subject": args.pairwise,
        "service_urls": _uris(args.service_urls),
        "cas_attributes": _names(args.cas_attributes),
        "cas_single_logout": args.cas_single_logout is not False,
    }
    if args.auth_method:  # otherwise the service's default: client_secret_basic, or none for a CAS service alone
        body["token_endpoint_auth_method"] = args.auth_method
    if args.client_id:
        body["client_id"] = args.client_id
    try:
        created = _call(client, "POST", PATH, body)
    except ApiError as error:
        if error.body.get("error") == "client_exists":
            raise Stop(
                f"{error} Si c'est le vôtre et que la réponse s'est perdue en route, donnez-lui un nouveau secret : "
                f"clients rotate-secret {args.client_id} --grace-hours 0"
            ) from None
        raise
    if args.json:
        _print_json(created, out)
        return
    print(f"Service {created['client_id']} enregistré : « {created['name']} ».", file=out)
    _print_secret(created, out)


def list_clients(args, client: Client, out) -> None:
    listed = _call(client, "GET", PATH)["clients"]
    if args.json:
        _print_json(listed, out)
        return
    header = ["identifiant", "nom", "protocoles", "authentification", "établissements", "secret"]
    rows = [[c["client_id"], c["name"], _protocols(c), _auth(c), _served(c), _secret_state(c)] for c in listed]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip(), file=out)
    print(f"{len(rows)} service{'s' if len(rows) > 1 else ''} enregistré{'s' if len(rows) > 1 else ''}.", file=out)


def show_client(args, client: Client, out) -> None:
    shown = _call(client, "GET", _client_path(args.client_id))
    if args.json:
        _print_json(shown, out)
        return
    _describe(shown, out)


def update_client(args, client: Client, out) -> None:
    current = _call(client, "GET", _client_path(args.client_id))
    body = {name: current[name] for name in REGISTERED}
    given = {
        "name": args.name,
        "redirect_uris": None if args.redirect_uris is None else _uris(args.redirect_uris),
        "post_logout_redirect_uris": (
            None if args.post_logout_redirect_uris is None else _uris(args.post_logout_redirect_uris)
        ),
        "token_endpoint_auth_method": args.auth_method,
        "service_urls": None if args.service_urls is None else _uris(args.service_urls),
        "cas_attributes": None if args.cas_attributes is None else _names(args.cas_attributes),
        "cas_single_logout": args.cas_single_logout,
    }
    body.update({name: value for name, value in given.items() if value is not None})
    if args.auth_method is None and bool(body["redirect_uris"]) != bool(current["redirect_uris"]):
        # It starts or stops speaking OpenID Connect: the service's default method (a CAS service alone has none).
        del body["token_endpoint_auth_method"]
    for name in ("backchannel_logout_uri", "initiate_login_uri"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name) or None  # "" removes it
    if args.schools is not None:
        body["schools"], body["all_schools"] = _schools(args.schools), False
    if args.all_schools:
        body["schools"], body["all_schools"] = [], True
    if body == {name: current[name] for name in body}:
        raise Stop(
            "Rien à modifier : donnez au moins une option qui change le service (--name, --redirect-uri, "
            "--service-url…).",
            2,
        )
    body["version"] = current["version"]
    changed = _call(client, "PUT", _client_path(args.client_id), body)
    if args.json:
        _print_json(changed, out)
        return
    print(f"Service {changed['client_id']} modifié (version {changed['version']}).", file=out)
    if current["has_secret"] and not changed["has_secret"]:
        print("Son secret ne fonctionne plus (il n'en a plus besoin).", file=out)
    if changed["token_endpoint_auth_method"] != PUBLIC and not changed["has_secret"]:
        print(
            f"Attention : ce service n'a pas de secret et ne peut pas encore se connecter. "
            f"Donnez-lui en un : clients rotate-secret {changed['client_id']}",
            file=out,
        )


def delete_client(args, client: Client, out) -> None:
    confirm(args, f"Supprimer le service {args.client_id} ? Il ne pourra plus connecter personne.")
    _call(client, "DELETE", _client_path(args.client_id))
    print(f"Service {args.client_id} supprimé.", file=out)


def rotate_secret(args, client: Client, out) -> None:
    rotated = _call(client, "POST", _client_path(args.client_id) + "/secret", {"grace_hours": args.grace_hours})
    if args.json:
        _print_json(rotated, out)
        return
    print(f"Nouveau secret pour le service {rotated['client_id']}.", file=out)
    _print_secret(rotated, out)
    if rotated["previous_secret_expires_at"]:
        until = _moment(rotated["previous_secret_expires_at"])
        print(
            f"L'ancien secret fonctionne encore jusqu'au {until} : changez la configuration du service d'ici là.",
            file=out,
        )
    else:
        print("L'ancien secret ne fonctionne plus.", file=out)


# --- helpers -----------------------------------------------------------------------------------------------------


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
        name, _, index = field.partition("[")
        option = OPTIONS.get(name, name)
        where = f"{option} n° {int(index.rstrip(']')) + 1}" if index.rstrip("]").isdigit() else option
        lines.append(f"  {where} : {message}")
    return "\n".join(lines)


def _print_secret(answer: dict, out) -> None:
    if answer.get("client_secret") is None and not answer["redirect_uris"]:
        print(
            "Service CAS (sans adresse de retour OpenID Connect) : pas de secret, ses validations de tickets ne "
            "s'authentifient pas ; seules ses adresses de service comptent.",
            file=out,
        )
        return
    if answer.get("client_secret") is None:
        print("Service public (token_endpoint_auth_method none) : pas de secret, PKCE seul.", file=out)
        return
    print(f"Secret du service (affiché cette seule fois) : {answer['client_secret']}", file=out)
    print(KEEP_IT.format(client_id=answer["client_id"]), file=out)


def _describe(shown: dict, out) -> None:
    lines = [
        ("Identifiant", shown["client_id"]),
        ("Nom", shown["name"]),
        ("Protocoles", _protocols(shown)),
        ("Authentification", f"{_auth(shown)} — {_secret_state(shown)}"),
        ("Établissements", _served(shown, every=True)),
        ("Sub propre au service", "oui" if shown["pairwise_subject"] else "non"),
        ("Adresses de retour", shown["redirect_uris"] or "aucune"),
        ("Après déconnexion", shown["post_logout_redirect_uris"] or "aucune"),
        ("Déconnexion (back-channel)", shown["backchannel_logout_uri"] or "aucune"),
        ("Ouverture depuis /bureau", shown["initiate_login_uri"] or "aucune"),
        ("Adresses de service CAS", shown["service_urls"] or "aucune"),
        ("Enregistré le", _moment(shown["created_at"]) if shown.get("created_at") else "?"),
        (
            "Modifié le",
            f"{_moment(shown['updated_at'])} (version {shown['version']})" if shown.get("updated_at") else "?",
        ),
    ]
    if shown["service_urls"]:
        lines[-2:-2] = [
            ("Attributs CAS", ", ".join(shown["cas_attributes"]) or "aucun (seulement l'identifiant, user)"),
            ("Déconnexion CAS (logoutRequest)", "oui" if shown["cas_single_logout"] else "non"),
        ]
    for label, value in lines:
        if isinstance(value, list):  # one address a line, as they must be typed: exactly
            print(f"{label} :", *(f"  {uri}" for uri in value), sep="\n", file=out)
        else:
            print(f"{label} : {value}", file=out)


def _served(shown: dict, every: bool = False) -> str:
    if shown["all_schools"]:
        return "tous"
    if every or len(shown["schools"]) <= 3:
        return ", ".join(shown["schools"])
    return f"{len(shown['schools'])} ({', '.join(shown['schools'][:3])}…)"


def _protocols(shown: dict) -> str:
    return "+".join(
        name for name, speaks in (("OIDC", shown["redirect_uris"]), ("CAS", shown["service_urls"])) if speaks
    )


def _auth(shown: dict) -> str:
    if not shown["redirect_uris"]:
        return "aucune (CAS)"
    return METHOD_LABELS[shown["token_endpoint_auth_method"]]


def _secret_state(shown: dict) -> str:
    if not shown["redirect_uris"]:
        return "aucun (service CAS)"
    if shown["token_endpoint_auth_method"] == PUBLIC:
        return "aucun (public)"
    if not shown["has_secret"]:
        return "à donner (rotate-secret)"
    if shown.get("previous_secret_expires_at"):
        return f"nouveau secret ; l'ancien fonctionne encore jusqu'au {_moment(shown['previous_secret_expires_at'])}"
    return "oui"


def _uris(values: list[str] | None) -> list[str]:
    return [value.strip() for value in values or [] if value.strip()]


def _schools(raw: str | None) -> list[str]:
    return _split(raw)


def _names(raw: str | None) -> list[str]:
    """Attribute names, as typed (their case matters: the service names the wrong ones)."""
    return _split(raw)


def _split(raw: str | None) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", raw or "") if part]


def _client_path(client_id: str) -> str:
    return f"{PATH}/{quote(client_id.strip(), safe='')}"


def _moment(instant: str) -> str:
    from ent_accounts.templates import french_datetime

    return french_datetime(datetime.fromisoformat(instant.replace("Z", "+00:00")))


def _print_json(value: Any, out) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2), file=out)
