"""Drop from the built layer the parts of its dependencies that no function loads (run by this folder's Makefile).

Each entry says why it is safe; tests/test_layer_build.py builds the pruned layer for this machine and runs every
handler from it, alone, so a wrong entry fails there and not in Lambda.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

UNUSED = {
    # The Swagger UI bundle: the service publishes its OpenAPI document as JSON, not as a UI.
    "aws_lambda_powertools/event_handler/openapi/swagger_ui": "no Swagger UI",
    # Powertools utilities the service does not use (event_handler, logging, metrics, idempotency and
    # data_classes stay).
    "aws_lambda_powertools/utilities/auth_alpha": "unused utility",
    "aws_lambda_powertools/utilities/batch": "unused utility",
    "aws_lambda_powertools/utilities/circuit_breaker": "unused utility",
    "aws_lambda_powertools/utilities/data_masking": "unused utility",
    "aws_lambda_powertools/utilities/feature_flags": "unused utility",
    "aws_lambda_powertools/utilities/kafka": "unused utility",
    "aws_lambda_powertools/utilities/parameters": "unused utility",
    "aws_lambda_powertools/utilities/parser": "unused utility",
    "aws_lambda_powertools/utilities/streaming": "unused utility",
    # Importable only with packages the layer does not have (redis, fastjsonschema): dead weight.
    "aws_lambda_powertools/utilities/idempotency/persistence/redis.py": "needs redis",
    "aws_lambda_powertools/utilities/idempotency/persistence/cache.py": "needs redis",
    "aws_lambda_powertools/utilities/validation": "needs fastjsonschema",
    "aws_lambda_powertools/event_handler/middlewares/schema_validation.py": "needs fastjsonschema",
    # dnspython: email-validator loads it only for DNS deliverability checks, which the service does not make
    # (SES reports bounces instead).
    "dns": "no DNS checks",
    # pydantic's copy of its version 1, loaded only by `import pydantic.v1`.
    "pydantic/v1": "pydantic 2 only",
    "pydantic/mypy.py": "a type checker plugin",
    # cffi's Python side and its C parser run when a cffi module is compiled; argon2-cffi-bindings ships compiled and
    # needs only the _cffi_backend extension.
    "cffi": "compile-time only",
    "pycparser": "compile-time only",
    # Jinja2 modules the pages never load: extensions (the environment has none), the sandbox (the templates are
    # our own), native types and template introspection (jinja2 imports them only under TYPE_CHECKING).
    "jinja2/ext.py": "no Jinja extension",
    "jinja2/sandbox.py": "no sandboxed templates",
    "jinja2/nativetypes.py": "text templates only",
    "jinja2/meta.py": "no template introspection",
    # Botocore's own dependency: the Lambda runtime has it, next to boto3.
    "jmespath": "in the runtime",
    # Console scripts (pip puts them in bin/): nothing runs them in Lambda.
    "bin": "no console scripts",
}

# The metadata of the packages removed whole above.
UNUSED_DISTRIBUTIONS = ["cffi", "dnspython", "jmespath", "pycparser"]

# Time zones: the pages show Paris time; the runtime's own zoneinfo comes first, this is the fallback.
KEPT_ZONES = {"Europe/Paris", "UTC"}


def prune(root: Path) -> None:
    for relative in UNUSED:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for distribution in UNUSED_DISTRIBUTIONS:
        for metadata in root.glob(f"{distribution}-*.dist-info"):
            shutil.rmtree(metadata)
    for cache in list(root.rglob("__pycache__")):
        shutil.rmtree(cache)  # Lambda compiles on first import; stale caches only add weight
    for record in root.glob("*.dist-info/RECORD"):
        record.unlink()  # the installer's file list: nothing reads it at run time
    for sbom in root.glob("*.dist-info/sboms"):
        shutil.rmtree(sbom)  # the wheel's bill of materials, for supply-chain tools, not for the run (licenses stay)
    for metadata in root.glob("*.dist-info/METADATA"):
        _drop_long_description(metadata)
    for stub in [*root.rglob("*.pyi"), *root.rglob("py.typed")]:
        stub.unlink()  # type stubs: for type checkers, never imported
    _keep_only_used_zones(root / "tzdata" / "zoneinfo")


def _drop_long_description(metadata: Path) -> None:
    """Keep the headers (name, version, entry points that importlib.metadata reads) and drop the README and
    changelog that follow them (pydantic's alone weighs 110 kB)."""
    text = metadata.read_text(encoding="utf-8")
    headers, _, _ = text.partition("\n\n")
    metadata.write_text(headers + "\n", encoding="utf-8")


def _keep_only_used_zones(zoneinfo: Path) -> None:
    if not zoneinfo.is_dir():
        return
    kept = {zoneinfo / zone for zone in KEPT_ZONES}
    needed_dirs = {parent for path in kept for parent in path.parents}
    for path in sorted(zoneinfo.rglob("*"), reverse=True):  # children before their folders
        if path in kept or (path.name == "__init__.py" and path.parent in needed_dirs):
            continue
        if path.is_dir():
            if path not in needed_dirs:
                shutil.rmtree(path)
        else:
            path.unlink()


if __name__ == "__main__":
    prune(Path(sys.argv[1]))
