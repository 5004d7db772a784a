"""The capacity model of an académie's September and the yearly cost of 1,000,000 students, from the per-operation
figures bench/capacity.py measures: `python -m bench.cost_model [results.json]` prints both as Markdown.

Every assumption and every price is a named constant below, with its source and the day it was read: change one,
run again. Prices are us-east-1 list prices in USD (Paris, eu-west-3, is some 10 to 20 % dearer on most lines),
without the free tier (which a production account of this size exhausts in days) and without taxes.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

READ_ON = "2026-12-03"

# --- prices (USD) -------------------------------------------------------------------------------------------------
PRICES: dict[str, tuple[float, str]] = {
    "apigw_rest_per_million": (
        3.50,
        "REST API, first 333 M requests a month (then $2.80): docs.aws.amazon.com/"
        "whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html",
    ),
    "apigw_http_per_million": (1.00, "HTTP API, first 300 M requests a month (then $0.90): same page"),
    "lambda_request_per_million": (0.20, "aws.amazon.com/lambda/pricing/"),
    "lambda_gb_s_arm64": (0.0000133334, "aws.amazon.com/lambda/pricing/ (first 7.5 B GB-s a month)"),
    "lambda_gb_s_x86": (0.0000166667, "aws.amazon.com/lambda/pricing/"),
    "ddb_wru_per_million": (
        0.625,
        "on-demand, after the November 2024 halving: aws.amazon.com/dynamodb/pricing/on-demand/",
    ),
    "ddb_rru_per_million": (0.125, "on-demand: same page"),
    "ddb_storage_gb_month": (0.25, "Standard table class, beyond 25 GB: same page"),
    "ddb_pitr_gb_month": (0.20, "continuous backups (PITR), on the table's size: same page"),
    "ses_per_thousand": (0.10, "outbound mail: aws.amazon.com/ses/pricing/"),
    "logs_ingest_gb": (0.50, "CloudWatch Logs Standard ingestion: aws.amazon.com/cloudwatch/pricing/"),
    "logs_store_gb_month": (0.03, "CloudWatch Logs storage (archived, compressed): same page"),
    "xray_per_million_traces": (5.00, "traces recorded: aws.amazon.com/xray/pricing/"),
    "kms_key_month": (1.00, "per KMS key a month: aws.amazon.com/kms/pricing/"),
    "kms_rsa_sign_per_10k": (
        0.03,
        "requests involving RSA 2048 keys, the template's KeySpec (other asymmetric keys: $0.15): "
        "aws.amazon.com/kms/pricing/",
    ),
    "sqs_per_million": (0.40, "standard queue requests (64 KB chunks): aws.amazon.com/sqs/pricing/"),
}

# --- the limits that bind (defaults of a production account, per region) -------------------------------------------
LIMITS = {
    "lambda_concurrency": (
        1000,
        "account's concurrent executions (default; a new account may get less: Service Quotas)",
    ),
    "lambda_scaling": (
        1000,
        "new execution environments per function every 10 s (docs.aws.amazon.com/lambda/latest/dg/"
        "scaling-behavior.html)",
    ),
    "apigw_account_rps": (
        10000,
        "requests/s per account and region, burst bucket 5,000 (docs.aws.amazon.com/apigateway/"
        "latest/developerguide/limits.html)",
    ),
    "apigw_stage_rps": (100, "template.yaml ApiRateLimit default (burst ApiBurstLimit 200): a 429 beyond"),
    "ddb_initial_wru": (
        4000,
        "write request units/s a new on-demand table sustains before it scales (docs.aws.amazon.com/"
        "amazondynamodb/latest/developerguide/on-demand-capacity-mode.html)",
    ),
    "ddb_initial_rru": (12000, "read request units/s, same page"),
    "ddb_partition_wcu": (1000, "write units/s of one partition (one key's items)"),
    "ddb_partition_rcu": (3000, "read units/s of one partition"),
    "ses_sandbox_per_day": (
        200,
        "sandbox: 200 mails a day, 1 a second, verified recipients only (docs.aws.amazon.com/ses/"
        "latest/dg/request-production-access.html)",
    ),
    "ses_new_production_per_day": (
        50000,
        "a new production account's typical first quota (AWS no longer publishes one: "
        "'varies based on your use case', docs.aws.amazon.com/ses/latest/dg/quotas.html)",
    ),
    "ses_new_production_per_second": (14, "idem, sending rate"),
}

# --- latencies a Lambda function waits for (added to the CPU measured here) -----------------------------------------
WAIT_MS = {"dynamodb": 5.0, "mail": 40.0, "kms": 15.0, "sqs": 10.0}
LAMBDA_FULL_CPU_MB = 1769  # at this size a function has one full vCPU; below, its CPU time stretches by 1769/MB
PLATFORM_LOG_BYTES = 350 + 4 * 26  # START, END and REPORT lines per invocation, and 26 bytes of overhead per event

# --- the académie and its September ---------------------------------------------------------------------------------
ACADEMIE = {"students": 500_000, "parents": 700_000}
SEPTEMBER = {
    "first_connection_share_3_weeks": 0.80,  # of every account, over 15 school days
    "first_connection_busiest_hour_share": 0.20,  # of a day's first connections, in class
    "morning_sign_in_share": 0.30,  # of students who sign in …
    "morning_window_s": 15 * 60,  # … within 15 minutes around 8 a.m.
    "resends_per_first_connection": 0.3,
    "imports_at_once": 20,  # schools importing their lists in the same minutes (end of August)
}

# --- one year of 1,000,000 students ---------------------------------------------------------------------------------
YEAR = {
    "students": 1_000_000,
    "parents_per_student": 1.4,
    "new_share": 1 / 3,  # accounts created each year (6e and 2nde, their parents): import, first connection
    "validated_share": 0.9,  # of first connections, followed by the validation click
    "expired_share": 0.10,  # of new accounts never activated: deleted by the sweep
    "student_sign_in_days": 140,
    "parent_sign_in_days": 30,
    "logouts_per_sign_in_day": 0.3,  # most sessions end by their idle limit, not by a logout
    "page_requests_per_sign_in_day": 2,  # the login page and the services page (StaticFunction, 256 MB)
    "page_request_ms": 5.0,
    "forgotten_per_student_year": 0.5,
    "forgotten_per_parent_year": 0.3,
    "cas_share_of_sign_in_days": 1.0,  # a CAS service (Pronote) opened on each sign-in day, as the ENT is
    "xray_sampled_share": 0.05,  # the default sampling rule: 1 a second, then 5 %
    "xray_active_seconds": 200 * 10 * 3600,  # school days × hours of traffic: the 1-a-second reservoir
    "log_retention_months": 6,  # LogRetentionDays 180
    "kms_keys": 2,  # OidcSigningKeyA and B
}

SIGN_IN = "login (password)"
OIDC = "OIDC authorize + token + userinfo (with a session)"
CAS = "CAS login + serviceValidate (with a session)"
LOGOUT = "logout (single logout to 2 clients)"
FIRST = "first connection (with e-mail)"
PROVISIONAL = "login (provisional password)"
VALIDATE = "validation click"
RESEND = "resend the validation mail"
FORGOT = "forgotten password (request + queued mail)"
IMPORT = "import (per account)"
SWEEP = "daily sweep (per expired account)"


def memory_sizes() -> dict[str, int]:
    from local import template

    loaded = template.load()
    default = loaded["Globals"]["Function"]["MemorySize"]
    return {
        name: resource["Properties"].get("MemorySize", default)
        for name, resource in loaded["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def lambda_ms(op: dict[str, Any], memory: dict[str, int]) -> dict[str, float]:
    """The estimated Lambda duration of one operation, per function, in ms: its CPU measured here (stretched below
    1,769 MB, where a function has less than a vCPU), plus the waits on DynamoDB, SES, KMS and SQS spread over its
    invocations."""
    invocations = op["lambda"]
    total = sum(invocations.values()) or 1
    waits = (
        op["dynamodb_requests"] * WAIT_MS["dynamodb"]
        + op["mails"] * WAIT_MS["mail"]
        + sum(op["kms"].values()) * WAIT_MS["kms"]
        + sum(op["sqs"].values()) * WAIT_MS["sqs"]
    )
    out = {}
    for function, count in invocations.items():
        stretch = max(1.0, LAMBDA_FULL_CPU_MB / memory[function])
        out[function] = count * op["lambda_cpu_ms"].get(function, 0.0) * stretch + waits * count / total
    return out


def gb_seconds(op: dict[str, Any], memory: dict[str, int], memory_override: dict[str, int] | None = None) -> float:
    sizes = {**memory, **(memory_override or {})}
    return sum(ms / 1000 * sizes[f] / 1024 for f, ms in lambda_ms(op, sizes).items())


# --- capacity -----------------------------------------------------------------------------------------------------


def capacity_model(ops: dict[str, dict], memory: dict[str, int]) -> dict[str, Any]:
    accounts = ACADEMIE["students"] + ACADEMIE["parents"]
    first_per_day = accounts * SEPTEMBER["first_connection_share_3_weeks"] / 15
    first_per_s = first_per_day * SEPTEMBER["first_connection_busiest_hour_share"] / 3600
    sign_in_per_s = ACADEMIE["students"] * SEPTEMBER["morning_sign_in_share"] / SEPTEMBER["morning_window_s"]
    # 8 a.m. on a September school day: the morning's sign-ins (each with the ENT and Pronote), and first
    # connections in class at their busiest hour (each: provisional login, first connection, a resend for some, the
    # validation click).
    rates = {
        SIGN_IN: sign_in_per_s,
        OIDC: sign_in_per_s,
        CAS: sign_in_per_s * YEAR["cas_share_of_sign_in_days"],
        PROVISIONAL: first_per_s,
        FIRST: first_per_s,
        RESEND: first_per_s * SEPTEMBER["resends_per_first_connection"],
        VALIDATE: first_per_s * YEAR["validated_share"],
    }
    rows, totals = [], {"api": 0.0, "wru": 0.0, "rru": 0.0, "concurrency": 0.0, "mails": 0.0, "kms": 0.0}
    for name, rate in rates.items():
        op = ops[name]
        concurrency = sum(lambda_ms(op, memory).values()) / 1000 * rate
        api = sum(op["api_requests"].values()) * rate
        row = {
            "operation": name,
            "per_second": rate,
            "api_rps": api,
            "wru_s": op["wru"] * rate,
            "rru_s": op["rru"] * rate,
            "concurrency": concurrency,
            "mails_s": op["mails"] * rate,
            "kms_s": sum(op["kms"].values()) * rate,
        }
        rows.append(row)
        for key, field in (("api", "api_rps"), ("wru", "wru_s"), ("rru", "rru_s"), ("concurrency", "concurrency")):
            totals[key] += row[field]
        totals["mails"] += row["mails_s"]
        totals["kms"] += row["kms_s"]
    pages = sign_in_per_s * YEAR["page_requests_per_sign_in_day"]
    totals["api"] += pages
    totals["concurrency"] += pages * YEAR["page_request_ms"] / 1000
    mails_per_day = first_per_day * (1 + SEPTEMBER["resends_per_first_connection"])
    imp = ops[IMPORT]
    accounts_per_request = 1 / imp["lambda"]["AdminFunction"]
    measured_seconds = imp["lambda_ms"]["AdminFunction"] / 1000  # one request's wall time here
    seconds = sum(lambda_ms(imp, memory).values()) / 1000 * accounts_per_request  # … and in Lambda (estimated)
    import_wru_s = imp["wru"] * accounts_per_request / seconds
    return {
        "first_connections_per_day": first_per_day,
        "first_connections_per_s": first_per_s,
        "sign_ins_per_s": sign_in_per_s,
        "page_rps": pages,
        "rows": rows,
        "totals": totals,
        "mails_per_day": mails_per_day,
        "import": {
            "accounts_per_request": accounts_per_request,
            "measured_seconds": measured_seconds,
            "seconds": seconds,
            "wru_per_account": imp["wru"],
            "wru_s": import_wru_s,
            "wru_s_at_once": import_wru_s * SEPTEMBER["imports_at_once"],
        },
    }


# --- cost ---------------------------------------------------------------------------------------------------------


def yearly_counts(override: dict[str, float] | None = None) -> dict[str, float]:
    """How many times each operation runs in a year of 1,000,000 students and their parents."""
    year = {**YEAR, **(override or {})}
    students = year["students"]
    parents = students * year["parents_per_student"]
    accounts = students + parents
    new = accounts * year["new_share"]
    sign_in_days = students * year["student_sign_in_days"] + parents * year["parent_sign_in_days"]
    return {
        IMPORT: new,
        PROVISIONAL: new,
        FIRST: new * (1 - year["expired_share"]),
        RESEND: new * 0.3,
        VALIDATE: new * (1 - year["expired_share"]) * year["validated_share"],
        SIGN_IN: sign_in_days,
        OIDC: sign_in_days,
        CAS: sign_in_days * year["cas_share_of_sign_in_days"],
        LOGOUT: sign_in_days * year["logouts_per_sign_in_day"],
        FORGOT: students * year["forgotten_per_student_year"] + parents * year["forgotten_per_parent_year"],
        SWEEP: new * year["expired_share"],
        "_pages": sign_in_days * year["page_requests_per_sign_in_day"],
        "_accounts": accounts,
    }


def price(name: str) -> float:
    return PRICES[name][0]


def yearly_cost(
    ops: dict[str, dict],
    storage: dict[str, Any],
    memory: dict[str, int],
    *,
    http_api: bool = False,
    x86: bool = False,
    xray_share: float | None = None,
    log_factor: float = 1.0,
    memory_override: dict[str, int] | None = None,
    year: dict[str, float] | None = None,
) -> dict[str, float]:
    counts = yearly_counts(year)
    pages = counts.pop("_pages")
    accounts = counts.pop("_accounts")
    total = {
        key: 0.0
        for key in ("api", "invocations", "gb_s", "wru", "rru", "mails", "log_bytes", "kms_sign", "sqs", "kept")
    }
    for name, times in counts.items():
        op = ops[name]
        total["api"] += sum(op["api_requests"].values()) * times
        total["invocations"] += sum(op["lambda"].values()) * times
        total["gb_s"] += gb_seconds(op, memory, memory_override) * times
        total["wru"] += op["wru"] * times
        total["rru"] += op["rru"] * times
        total["mails"] += op["mails"] * times
        total["log_bytes"] += (op["log_bytes"] * log_factor + PLATFORM_LOG_BYTES * sum(op["lambda"].values())) * times
        total["kms_sign"] += op["kms"].get("Sign", 0) * times
        total["sqs"] += sum(op["sqs"].values()) * 3 * times  # sent, received, deleted
        total["kept"] += op.get("kept_bytes", 0) * times
    total["api"] += pages
    total["invocations"] += pages
    total["gb_s"] += pages * YEAR["page_request_ms"] / 1000 * memory["StaticFunction"] / 1024
    total["log_bytes"] += pages * PLATFORM_LOG_BYTES
    monthly_api = total["api"] / 12
    if http_api:
        api_cost = 12 * _tiered(monthly_api, [(300e6, 1.00), (math.inf, 0.90)])
    else:
        api_cost = 12 * _tiered(monthly_api, [(333e6, 3.50), (667e6, 2.80), (19e9, 2.38), (math.inf, 1.51)])
    gb_s_price = price("lambda_gb_s_x86") if x86 else price("lambda_gb_s_arm64")
    # Storage: the accounts, and what a year of operations keeps (audit events live AuditRetentionDays, 365).
    table_gb = (accounts * storage["bytes_per_imported_account"] + total["kept"]) / 1e9
    share = YEAR["xray_sampled_share"] if xray_share is None else xray_share
    traces = (YEAR["xray_active_seconds"] if share > 0 else 0) + share * total["api"]
    log_gb = total["log_bytes"] / 1e9
    ingestion_to_storage = 0.15  # CloudWatch stores logs compressed: about 0.15 GB stored per GB ingested
    lines = {
        "API Gateway (HTTP API)" if http_api else "API Gateway (REST)": api_cost,
        "Lambda requests": total["invocations"] / 1e6 * price("lambda_request_per_million"),
        "Lambda duration (x86_64)" if x86 else "Lambda duration (arm64)": total["gb_s"] * gb_s_price,
        "DynamoDB writes": total["wru"] / 1e6 * price("ddb_wru_per_million"),
        "DynamoDB reads": total["rru"] / 1e6 * price("ddb_rru_per_million"),
        "DynamoDB storage": table_gb * price("ddb_storage_gb_month") * 12,
        "DynamoDB PITR": table_gb * price("ddb_pitr_gb_month") * 12,
        "SES": total["mails"] / 1000 * price("ses_per_thousand"),
        "CloudWatch Logs ingestion": log_gb * price("logs_ingest_gb"),
        "CloudWatch Logs storage": log_gb
        * ingestion_to_storage
        * price("logs_store_gb_month")
        * YEAR["log_retention_months"],
        "X-Ray traces": traces / 1e6 * price("xray_per_million_traces"),
        "KMS keys + Sign": YEAR["kms_keys"] * 12 * price("kms_key_month")
        + total["kms_sign"] / 1e4 * price("kms_rsa_sign_per_10k"),
        "SQS": total["sqs"] / 1e6 * price("sqs_per_million"),
    }
    lines["_volumes"] = {**total, "table_gb": table_gb, "traces": traces, "log_gb": log_gb}  # type: ignore[assignment]
    return lines


def _tiered(volume: float, tiers: list[tuple[float, float]]) -> float:
    cost, left = 0.0, volume
    for size, per_million in tiers:
        used = min(left, size)
        cost += used / 1e6 * per_million
        left -= used
        if left <= 0:
            break
    return cost


# --- Markdown -----------------------------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    capacity = results["capacity"]
    ops, storage = capacity["operations"], capacity["storage"]
    memory = memory_sizes()
    out = [f"Per-operation figures: backend {capacity['backend']}, CPU {capacity['cpu']}; prices read {READ_ON}.", ""]
    out += ["### Per operation (measured)", ""]
    out += [
        "| operation | DynamoDB requests (by API) | RRU | WRU | SES | Lambda (invocations) | Lambda ms here: "
        "wall / CPU (median) | est. Lambda ms | log bytes | kept bytes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, op in ops.items():
        apis = ", ".join(f"{api} {n:g}" for api, n in op["dynamodb"].items())
        functions = ", ".join(f"{f} {n:g}" for f, n in op["lambda"].items())
        here = ", ".join(f"{op['lambda_ms'][f]:.0f} / {op['lambda_cpu_ms'][f]:.0f}" for f in op["lambda"])
        estimate = sum(lambda_ms(op, memory).values())
        out.append(
            f"| {name} | {op['dynamodb_requests']:g} ({apis}) | {op['rru']:g} | {op['wru']:g} | {op['mails']:g} | "
            f"{functions} | {here} | {estimate:.0f} | {op['log_bytes']:.0f} | {op.get('kept_bytes', 0):.0f} |"
        )
    model = capacity_model(ops, memory)
    totals = model["totals"]
    out += ["", "### 8 a.m. on a September school day (académie: 500,000 students, 700,000 parents)", ""]
    out += [
        f"{model['sign_ins_per_s']:.0f} sign-ins/s (30 % of students in 15 minutes), "
        f"{model['first_connections_per_s']:.1f} first connections/s (80 % of 1.2 M accounts over 15 school days: "
        f"{model['first_connections_per_day']:,.0f} a day, 20 % of them in the busiest hour).",
        "",
        "| operation | per second | API requests/s | WRU/s | RRU/s | Lambda concurrency | mails/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in model["rows"]:
        out.append(
            f"| {row['operation']} | {row['per_second']:.1f} | {row['api_rps']:.0f} | {row['wru_s']:.0f} | "
            f"{row['rru_s']:.0f} | {row['concurrency']:.1f} | {row['mails_s']:.1f} |"
        )
    out.append(
        f"| pages (login, services) | {model['page_rps']:.0f} | {model['page_rps']:.0f} | 0 | 0 | "
        f"{model['page_rps'] * YEAR['page_request_ms'] / 1000:.1f} | 0 |"
    )
    out.append(
        f"| **total** | | **{totals['api']:.0f}** | **{totals['wru']:.0f}** | **{totals['rru']:.0f}** | "
        f"**{totals['concurrency']:.0f}** | **{totals['mails']:.1f}** |"
    )
    imp = model["import"]
    out += [
        "",
        f"Mails a day in the first three weeks: {model['mails_per_day']:,.0f}. One import of "
        f"{imp['accounts_per_request']:,.0f} accounts took {imp['measured_seconds']:.1f} s here, "
        f"{imp['seconds']:.1f} s estimated in Lambda, at {imp['wru_per_account']:.1f} WRU an account: "
        f"{imp['wru_s']:,.0f} WRU/s while it runs; {SEPTEMBER['imports_at_once']} at once: "
        f"{imp['wru_s_at_once']:,.0f} WRU/s.",
        "",
    ]
    base = yearly_cost(ops, storage, memory)
    volumes = base.pop("_volumes")
    grand = sum(base.values())
    students = YEAR["students"]
    out += [f"### A year of {students:,} students and {students * YEAR['parents_per_student']:,.0f} parents", ""]
    out += [
        f"Volumes: {volumes['api'] / 1e6:,.0f} M API requests, {volumes['invocations'] / 1e6:,.0f} M invocations, "
        f"{volumes['gb_s'] / 1e6:,.2f} M GB-s, {volumes['wru'] / 1e6:,.0f} M WRU, {volumes['rru'] / 1e6:,.0f} M RRU, "
        f"{volumes['mails'] / 1e6:,.2f} M mails, {volumes['log_gb']:,.0f} GB of logs, {volumes['table_gb']:,.1f} GB "
        f"in the table, {volumes['traces'] / 1e6:,.1f} M traces, {volumes['kms_sign'] / 1e6:,.0f} M KMS Sign.",
        "",
        "| line | $ a year | $ per student |",
        "|---|---|---|",
    ]
    for line, cost in sorted(base.items(), key=lambda item: -item[1]):
        out.append(f"| {line} | {cost:,.0f} | {cost / students:.5f} |")
    out.append(f"| **total** | **{grand:,.0f}** | **{grand / students:.4f}** |")
    levers = {
        "HTTP API instead of REST": yearly_cost(ops, storage, memory, http_api=True),
        "x86_64 instead of arm64": yearly_cost(ops, storage, memory, x86=True),
        "X-Ray off (Tracing: PassThrough)": yearly_cost(ops, storage, memory, xray_share=0),
        "logs at WARNING (no INFO lines nor EMF: metrics lost)": yearly_cost(ops, storage, memory, log_factor=0),
        "every function at 1,769 MB": yearly_cost(ops, storage, memory, memory_override=dict.fromkeys(memory, 1769)),
        "every function at 512 MB": yearly_cost(ops, storage, memory, memory_override=dict.fromkeys(memory, 512)),
        "students sign in 35 days a year (once a week), parents 10": yearly_cost(
            ops, storage, memory, year={"student_sign_in_days": 35, "parent_sign_in_days": 10}
        ),
    }
    out += ["", "| lever | $ a year | change |", "|---|---|---|"]
    for lever, lines in levers.items():
        lines.pop("_volumes")
        cost = sum(lines.values())
        out.append(f"| {lever} | {cost:,.0f} | {cost - grand:+,.0f} |")
    out += ["", "Prices (us-east-1, USD, read " + READ_ON + "):", ""]
    out += [f"- {name}: {value:g} — {source}" for name, (value, source) in PRICES.items()]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=Path(__file__).resolve().parent / "results.json")
    args = parser.parse_args()
    results = json.loads(args.results.read_text(encoding="utf-8"))
    if "capacity" not in results and "operations" in results:
        results = {"capacity": results}
    print(render(results))


if __name__ == "__main__":
    main()
