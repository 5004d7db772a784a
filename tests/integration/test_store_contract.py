"""What the store promises its callers, whatever the engine (moto and DynamoDB Local): its own exceptions, never
botocore's, and a cancelled transaction that names the writes that failed."""

import io

import pytest

from bench.index_writes import IndexWrites
from ent_accounts.store import Conflict, IdentifierTaken, ValueRefused
from ent_admin import backfill_school_shards as backfill
from tests.integration.school import OTHER_UAI, UAI, post_accounts, row


def test_a_cancelled_transaction_names_the_write_whose_condition_failed(world):
    world.provision("jdupont12")
    stale = world.store.get_account("jdupont12")
    world.store.transaction().save_account(world.store.get_account("jdupont12")).commit()  # someone else's change
    tx = world.store.transaction().save_account(stale, name="the student").audit("jdupont12", "test", "r")
    with pytest.raises(Conflict) as raised:
        tx.commit()
    assert raised.value.changed == {"the student"} and raised.value.failed == {"the student"}
    assert not raised.value.in_flight and not raised.value.refused


def test_an_identifier_taken_is_a_conflict_of_the_store(world):
    world.provision("jdupont12")
    account = world.store.get_account("jdupont12")
    with pytest.raises(IdentifierTaken):
        world.store.create_account(account)


def test_a_value_dynamodb_refuses_is_value_refused(world):
    with pytest.raises(ValueRefused):
        world.store.record_event("x" * 3000, "test", "r")  # a key longer than DynamoDB's 2048 bytes


# --- the school index, sharded (docs/DESIGN.md, "Hot keys") ------------------------------------------------------

SURNAMES = "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Michel Garcia David"
FIRST_NAMES = "Emma Louise Jade Alice Chloé Lina Léa Rose Anna Mila Gabriel Léo Raphaël Louis Arthur Jules Adam Hugo"


def families(students: int) -> list[dict]:
    """A school's list: two children per family, a mother with an address and a father without (one account each,
    linked to both children)."""
    from datetime import date, timedelta

    surnames, first_names = SURNAMES.split(), FIRST_NAMES.split()
    rows = []
    for n in range(students):
        family = n // 2
        last_name = f"{surnames[family % 15]}-{surnames[family // 15 % 15]}"
        if family >= 225:
            last_name += f" {surnames[family // 225 % 15]}"
        mother = {"last_name": last_name, "first_name": "Marie", "email": f"famille{family}@example.fr"}
        father = {"last_name": last_name, "first_name": "Paul"}
        rows.append(
            {
                **row(last_name, first_names[n % 18], birth_date=(date(2010, 1, 1) + timedelta(days=n)).isoformat()),
                "class": f"{3 + n % 4}e {'ABCDEF'[n % 6]}",
                "responsables": [mother, father],
            }
        )
    return rows


def listed(store, uai=UAI) -> dict[str, tuple]:
    return {a.identifier: (a.status, a.role, a.last_name, a.first_name, a.linked) for a in store.school_accounts(uai)}


def imported(world, rows, uai=UAI) -> dict:
    answer = post_accounts(world, rows, uai=uai)
    assert answer.status == 201, answer.text
    return answer.json()


def test_a_school_list_reads_its_accounts_and_links_from_every_shard(world):
    answer = imported(world, families(40))
    imported(world, families(4), uai=OTHER_UAI)  # another school's accounts stay out of this one's list
    created = {a["identifier"] for a in answer["accounts"]}
    assert len(created) == 40 + 20 * 2

    schools = listed(world.store)
    assert set(schools) == created
    links = {(parent, child) for parent, child in ((link["parent"], link["child"]) for link in answer["links"])}
    assert len(links) == 80
    seen = {(p, c[0]) for p, (_, role, *_, linked) in schools.items() if role == "parent" for c in linked}
    assert seen == links  # every link, from the parent's side …
    seen = {(r[0], c) for c, (_, role, *_, linked) in schools.items() if role == "eleve" for r in linked}
    assert seen == links  # … and from the child's
    assert list(schools) == sorted(schools)  # in the index's order, whatever shard each came from

    shards = {i["school_shard"]["S"] for i in world.items() if i.get("uai", {}).get("S") == UAI}
    assert len(shards) == world.store.school_shards == 8  # 80 accounts and 160 link items use every key
    assert all(key.startswith(f"{UAI}#") for key in shards)


def test_the_backfill_makes_the_items_written_before_the_shards_listable(world):
    imported(world, families(12))
    imported(world, families(2), uai=OTHER_UAI)
    before = listed(world.store)
    assert len(before) == 12 + 12
    school = [i for i in world.items() if i.get("uai", {}).get("S") == UAI]
    for item in school:  # as the previous version wrote them: uai, no school_shard
        key = {"pk": item["pk"], "sk": item["sk"]}
        world.ddb.update_item(TableName=world.store.table_name, Key=key, UpdateExpression="REMOVE school_shard")
    moved = school[0]  # and one as if SCHOOL_SHARDS had been higher: on a key the list does not query
    world.ddb.update_item(
        TableName=world.store.table_name,
        Key={"pk": moved["pk"], "sk": moved["sk"]},
        UpdateExpression="SET school_shard = :far",
        ExpressionAttributeValues={":far": {"S": f"{UAI}#99"}},
    )
    assert listed(world.store) == {}
    other = listed(world.store, OTHER_UAI)

    out = io.StringIO()
    assert backfill.main(["--table", world.store.table_name, "--uai", UAI.lower()], client=world.ddb, out=out) == 0
    assert out.getvalue() == f"{len(school)} éléments lus, {len(school)} réécrits, 0 laissés (modifiés entre-temps).\n"
    assert listed(world.store) == before
    assert listed(world.store, OTHER_UAI) == other
    versions = {i["pk"]["S"]: i["version"] for i in world.items() if i["sk"]["S"] == "ACCOUNT"}

    again = world.store.backfill_school_shards(segments=3)  # every school, in 3 parallel segments: nothing left
    assert (again.read, again.rewritten, again.changed) == (len(school) + 2 * 6, 0, 0)
    assert versions == {i["pk"]["S"]: i["version"] for i in world.items() if i["sk"]["S"] == "ACCOUNT"}


def test_the_backfill_leaves_an_item_deleted_meanwhile_deleted(world):
    imported(world, [row("Dupont", "Jeanne", birth_date="2011-05-14")])
    (item,) = [i for i in world.items() if i.get("uai", {}).get("S") == UAI]
    world.ddb.update_item(
        TableName=world.store.table_name,
        Key={"pk": item["pk"], "sk": item["sk"]},
        UpdateExpression="REMOVE school_shard",
    )
    original_scan = world.store.request

    def scan_then_delete(operation, **parameters):
        answer = original_scan(operation, **parameters)
        if operation == "scan":  # the account goes between the backfill's read and its write
            world.ddb.delete_item(TableName=world.store.table_name, Key={"pk": item["pk"], "sk": item["sk"]})
        return answer

    world.store.request = scan_then_delete
    done = world.store.backfill_school_shards(UAI)
    assert (done.read, done.rewritten, done.changed) == (1, 0, 1)
    assert not [i for i in world.items() if i["pk"] == item["pk"] and i["sk"] == item["sk"]]


def test_a_school_import_writes_no_school_index_key_past_its_share(world):
    """600 students and their 600 parents (bench/import_accounts.py measures the 2,000 students of a large school):
    every write of the school index is spread over the school's shards, none taking much more than its share."""
    if world.backend == "moto":  # moto copies the whole table for each transaction: minutes for this import
        pytest.skip("a count of the requests sent, the same on both engines: DynamoDB Local's is enough")
    with IndexWrites(world.ddb, "school_shard", "uai") as writes:
        answer = imported(world, families(600))
    accounts = len(answer["accounts"])
    assert accounts == 600 + 300 * 2
    per_shard, per_uai = writes.per_key("school_shard"), writes.per_key("uai")
    total = accounts + 2 * len(answer["links"])  # each account item and each link's two items: once each
    assert len(answer["links"]) == 1200 and sum(per_shard.values()) == total == 3600
    assert per_uai == {UAI: total}  # keyed by uai, the index took every write on one partition key
    shards = world.store.school_shards
    assert len(per_shard) == shards
    assert max(per_shard.values()) <= total / shards * 1.25  # 450 each on average (the busiest: 510), none past 562
