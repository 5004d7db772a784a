"""French for what the standard library says in English: argparse's own messages (usage, help, argument errors)
and the operating system's file errors. A school's secretary reads every line the command prints."""

from __future__ import annotations

import argparse
import errno
from collections.abc import Iterator
from contextlib import contextmanager

# argparse's messages (Python 3.13), by their English text: argparse looks them up through its module-level `_`
# and `ngettext` when it builds a parser, formats its help and reports an error.
ARGPARSE = {
    "usage: ": "utilisation : ",
    "options": "options",
    "positional arguments": "arguments",
    "subcommands": "commandes",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(heading)s:": "%(heading)s :",
    " (default: %(default)s)": " (par défaut : %(default)s)",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s : attention : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choisissez parmi %(choices)s)",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "expected one argument": "une valeur est attendue après cette option",
    "expected at most one argument": "au plus une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "not allowed with argument %s": "impossible avec l'argument %s",
    "one of the arguments %s is required": "l'un de ces arguments est obligatoire : %s",
    "ignored explicit argument %r": "valeur %r ignorée : cette option n'en prend pas",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue %(parser_name)r (choisissez parmi %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
    "unexpected option string: %s": "option inattendue : %s",
    "argument '%(argument_name)s' is deprecated": "l'argument « %(argument_name)s » est obsolète",
    "option '%(option)s' is deprecated": "l'option « %(option)s » est obsolète",
    "command '%(parser_name)s' is deprecated": "la commande « %(parser_name)s » est obsolète",
}
ARGPARSE_PLURALS = {
    "expected %s argument": ("%s valeur attendue", "%s valeurs attendues"),
    "conflicting option string: %s": ("option en double : %s", "options en double : %s"),
}


def _french(message: str) -> str:
    return ARGPARSE.get(message, message)


def _french_plural(singular: str, plural: str, n: int) -> str:
    if singular in ARGPARSE_PLURALS:
        one, many = ARGPARSE_PLURALS[singular]
        return one if n <= 1 else many  # French: 0 and 1 are singular
    return singular if n == 1 else plural


@contextmanager
def french_argparse() -> Iterator[None]:
    """argparse in French while the parser is built and used (its default --help text is set when it is built)."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _french, _french_plural
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class FrenchParser(argparse.ArgumentParser):
    """A parser that speaks French whenever it is used, even outside french_argparse() (tests, other callers)."""

    def parse_known_args(self, args=None, namespace=None):
        with french_argparse():
            return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        with french_argparse():
            return super().format_help()

    def format_usage(self) -> str:
        with french_argparse():
            return super().format_usage()

    def error(self, message: str):
        with french_argparse():
            super().error(message)


OS_ERRORS = {
    errno.ENOENT: "ce fichier ou ce dossier n'existe pas",
    errno.EACCES: "accès refusé (vos droits sur ce fichier ou ce dossier ne le permettent pas)",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.ENOTDIR: "une partie du chemin n'est pas un dossier",
    errno.ENOSPC: "le disque est plein",
    errno.EROFS: "le disque est en lecture seule",
    errno.EEXIST: "ce fichier existe déjà",
    errno.ENAMETOOLONG: "le nom est trop long",
    errno.EBUSY: "le fichier est utilisé par un autre programme",
}


def os_error(error: OSError) -> str:
    """The reason of a file error in French (the system's own text is in English)."""
    return OS_ERRORS.get(error.errno or 0, "erreur du système de fichiers")


def plural(count: int, singular: str, many: str | None = None) -> str:
    """« 1 lettre », « 2 lettres », « 0 lettre » (French counts 0 and 1 as singular)."""
    return f"{count} {singular if count <= 1 else (many or singular + 's')}"
