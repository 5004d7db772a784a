"""The results of `python -m bench` as one Markdown table: what was measured, next to its reference and target."""

from __future__ import annotations

from typing import Any


def render(results: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str]] = []

    def failed(name: str) -> bool:
        section = results.get(name, {})
        if "error" in section or "skipped" in section:
            rows.append((name, section.get("error") or section.get("skipped"), "", ""))
            return True
        return False

    def present(name: str) -> bool:
        return name in results and not failed(name)

    if present("cold_start"):
        cold = results["cold_start"]
        boto3 = cold["boto3_import_ms"]
        for name, figures in cold["functions"].items():
            top = ", ".join(f"{item['package']} {item['self_ms']:.0f}" for item in figures["top"])
            rows.append(
                (
                    f"cold start {name}",
                    f"{figures['import_ms']:.0f} ms import (top, ms self: {top})",
                    f"import boto3 {boto3:.0f} ms: ×{figures['ratio_to_boto3']:.2f}",
                    "pays only for what it uses",
                )
            )
    if present("round_trips"):
        for name, figures in results["round_trips"].items():
            if name == "section_seconds":
                continue
            kms = f"; KMS calls {figures['kms']} (minimum {figures['minimum_kms']})" if "kms" in figures else ""
            rows.append(
                (
                    f"DynamoDB requests: {name}",
                    f"{figures['requests']} ({', '.join(figures['calls'])}){kms}",
                    f"minimum {figures['minimum']}: {figures['why']}",
                    "the minimum",
                )
            )
    if present("login_cost"):
        login = results["login_cost"]
        rows.append(
            (
                "login CPU / argon2id verify",
                f"{login['handler_cpu_ms']:.1f} ms / {login['argon2_verify_cpu_ms']:.1f} ms = ×{login['ratio']:.2f}",
                f"wall {login['handler_wall_ms']:.1f} ms per login",
                "≤ ×1.2",
            )
        )
        rows.append(
            (
                "logins per second per core",
                f"{login['logins_per_second_per_core']:.1f}",
                f"Keycloak sizing: {login['keycloak_logins_per_second_per_vcpu']} per vCPU",
                "",
            )
        )
    if present("token_cost"):
        token = results["token_cost"]
        signed = f"{token['handler_cpu_ms']:.1f} ms with moto's in-process Sign of {token['sign_cpu_ms']:.1f} ms"
        kms = f"{token['kms_calls_per_exchange']} KMS Sign (in AWS: network time, no CPU in the function)"
        rows.append(
            (
                "token endpoint CPU per exchange",
                f"{token['handler_cpu_without_signing_ms']:.1f} ms without the signature ({signed})",
                f"wall {token['handler_wall_ms']:.1f} ms; {kms}",
                "",
            )
        )
    if present("json_scan"):
        scan = results["json_scan"]
        rows.append(
            (
                "JSON nesting scan of a 10 MB body (CPU, worst body)",
                f"{scan['worst_ms']:.0f} ms",
                "; ".join(f"{name} {ms:.0f} ms" for name, ms in scan["bodies"].items()),
                f"< {scan['target_ms']} ms",
            )
        )
    if present("sweep_cost"):
        sweep = results["sweep_cost"]
        rows.append(
            (
                f"sweep: items read / deleted ({sweep['accounts']:,} accounts, {sweep['expired']:,} expired)",
                f"{sweep['sweep']['read']:,} / {sweep['sweep']['deleted']:,} = {sweep['sweep']['read_per_deleted']}",
                f"Scan sweep: {sweep['scan']['read']:,} / {sweep['scan']['found']:,} = "
                f"{sweep['scan']['read_per_found']}",
                f"≤ {sweep['target_read_per_deleted']}",
            )
        )
    if present("bulk_import"):
        bulk = results["bulk_import"]
        rows.append(
            (
                f"bulk import ({bulk['accounts']:,} accounts, {bulk['backend']})",
                f"{bulk['seconds']:.2f} s, {bulk['accounts_per_second']:.0f} accounts/s",
                f"Cognito default quota {bulk['cognito_default_quota_per_second']}/s",
                "",
            )
        )
        if "index_writes" in bulk:
            rows.append(
                (
                    "bulk import: school index writes per key",
                    f"{bulk['index_writes']:,} over {bulk['index_keys']} keys, busiest "
                    f"{bulk['busiest_index_key_writes']:,} ({bulk['busiest_index_key_writes_per_second']:.0f}/s)",
                    "< 1,000 writes/s per partition key",
                    "",
                )
            )
    if present("size"):
        size = results["size"]
        for name, figures in size["artefacts"].items():
            target = {
                "CommonLayer": f"< {size['layer_target_kb'] / 1000:g} MB unzipped",
                "OidcLayer": "the OpenID Connect function only",
                "AdminLayer": "the school function only",
            }.get(name, "code only")
            rows.append(
                (
                    f"size {name}",
                    f"{figures['unzipped_kb']:,.1f} kB unzipped, {figures['zipped_kb']:,.1f} kB zipped",
                    "",
                    target,
                )
            )
    if present("memory"):
        mem = results["memory"]
        for name, figures in mem["functions"].items():
            if "error" in figures:
                rows.append((f"peak RSS {name}", figures["error"].splitlines()[-1], "", ""))
                continue
            rows.append(
                (
                    f"peak RSS {name}",
                    f"{figures['warm_peak_mb']:.0f} MB warm ({figures['imported_mb']:.0f} MB after import)",
                    f"python+boto3 {mem['python_with_boto3_mb']:.0f} MB; MemorySize {figures['memory_size_mb']} MB",
                    "",
                )
            )
    if present("capacity"):
        for name, op in results["capacity"]["operations"].items():
            functions = ", ".join(f"{f} {n:g}" for f, n in op["lambda"].items())
            rows.append(
                (
                    f"AWS units: {name}",
                    f"{op['dynamodb_requests']:g} DynamoDB requests, {op['rru']:g} RRU, {op['wru']:g} WRU, "
                    f"{op['mails']:g} mails",
                    f"Lambda: {functions}",
                    "capacity and cost: python -m bench.cost_model",
                )
            )
    lines = ["| what | measured | next to | target |", "|---|---|---|---|"]
    lines += [f"| {what} | {measured} | {reference} | {target} |" for what, measured, reference, target in rows]
    header = (
        f"mode {results['mode']}, backend {results.get('backend')}, {results['cpus']} CPUs, Python {results['python']}"
    )
    return header + "\n\n" + "\n".join(lines)
