"""Count what each partition key of an index receives while the service writes (hot keys: docs/DESIGN.md).

`IndexWrites(client, "school_shard")` hooks the DynamoDB client's requests (botocore's `provide-client-params` event,
before anything is sent) and counts, per value of the attribute, each item put that carries it: one write to the
index partition that holds it. bench/import_accounts.py reports it; tests/integration/test_store_contract.py checks
it. Updates and deletes are not counted: an import only puts its accounts, links and
claims, and its updates (`linked`, `version`, counters) change neither an index key nor a projected attribute.
The same run counted by `uai` shows what the index keyed by uai received.
"""

from __future__ import annotations

from collections import Counter


class IndexWrites:
    def __init__(self, client, *attributes: str) -> None:
        self.client = client
        self.attributes = attributes
        self.counts: dict[str, Counter] = {attribute: Counter() for attribute in attributes}

    def __enter__(self) -> IndexWrites:
        self.client.meta.events.register("provide-client-params.dynamodb", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        self.client.meta.events.unregister("provide-client-params.dynamodb", self._seen)

    def per_key(self, attribute: str) -> Counter:
        return self.counts[attribute]

    def _seen(self, params, model, **_) -> None:
        for item in _put_items(model.name, params):
            for attribute in self.attributes:
                if attribute in item:
                    self.counts[attribute][item[attribute]["S"]] += 1


def _put_items(operation: str, params: dict):
    if operation == "PutItem":
        yield params["Item"]
    elif operation == "TransactWriteItems":
        yield from (write["Put"]["Item"] for write in params["TransactItems"] if "Put" in write)
    elif operation == "BatchWriteItem":
        for requests in params["RequestItems"].values():
            yield from (r["PutRequest"]["Item"] for r in requests if "PutRequest" in r)
