"""Which address a bounce concerns, and when the mark on an account goes."""

from ent_accounts.accounts import Account, Role, ascii_address, same_address
from ent_accounts.deliverability import undeliverable_view


def account(**fields) -> Account:
    return Account("jdupont12", "0341234A", Role.STUDENT, "Jeanne", "Dupont", **fields)


def test_addresses_compare_as_mail_servers_do():
    assert same_address("Jeanne@LaPoste.net", "jeanne@laposte.net")
    assert same_address("eleve@école.fr", "eleve@xn--cole-9oa.fr")  # SES reports the domain it sent to
    assert not same_address("jeanne@laposte.net", "jeanne@laposte.nt")
    assert ascii_address("élève@laposte.net") == "élève@laposte.net"  # a mailbox name stays as typed


def test_the_mark_follows_its_address():
    marked = account(email="jeanne@laposte.nt", undeliverable_email="jeanne@laposte.nt", undeliverable_reason="bounce")
    assert marked.is_undeliverable("JEANNE@laposte.nt") and undeliverable_view(marked)["reason"] == "bounce"

    marked.pending_email = "jeanne@free.fr"  # a new address waits: the current one still bounces
    marked.forget_stale_undeliverable()
    assert marked.is_undeliverable("jeanne@laposte.nt")

    marked.email, marked.pending_email = "jeanne@free.fr", None  # the new address replaced it
    assert undeliverable_view(marked) is None  # shown only while the address is the account's
    marked.forget_stale_undeliverable()
    assert marked.undeliverable_email is None and marked.undeliverable_reason is None
