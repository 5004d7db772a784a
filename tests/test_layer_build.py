"""The shared layer as `sam build` makes it (layers/common/Makefile): pruned, under 10 MB, and still enough for every
function when it runs alone, with nothing but the layer, its code and the Lambda runtime's boto3."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from local import template
from local.backends import resolve

ROOT = Path(__file__).resolve().parent.parent
LAYER_SOURCE = ROOT / "layers" / "common"
# What the Lambda Python runtime brings besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
ARCH = {"arm64": "aarch64", "x86_64": "x86_64"}  # Lambda's architecture names → the wheels' ones
RUNTIME_VERSION = template.runtime_version()


def _make_variables() -> dict[str, str]:
    text = (LAYER_SOURCE / "Makefile").read_text()
    return dict(re.findall(r"^(\w+) \?= (.+)$", text, flags=re.M))


def _build(artifacts: Path, arch: str) -> Path:
    variables = [f"ARTIFACTS_DIR={artifacts}", f"ARCH={arch}", f"PYTHON={sys.executable}"]
    result = subprocess.run(
        ["make", "-s", "build-CommonLayer", *variables],
        cwd=LAYER_SOURCE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return artifacts / "python"


def _pip_install(requirements: Path, target: Path, arch: str) -> None:
    """As sam build installs layers/admin (BuildMethod python3.x): wheels AL2023's glibc 2.34 can load."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    platforms = [f"--platform={tag}_{arch}" for tag in _make_variables()["MANYLINUX"].split()]
    command += ["--only-binary=:all:", *platforms, "--implementation", "cp", "--python-version", RUNTIME_VERSION]
    result = subprocess.run(
        [*command, "--target", str(target), "-r", str(requirements)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_the_layer_is_built_for_the_template_runtime_and_architecture():
    variables = _make_variables()
    function_globals = template.load()["Globals"]["Function"]
    assert variables["PYTHON_VERSION"] == RUNTIME_VERSION
    [architecture] = function_globals["Architectures"]
    assert variables["ARCH"] == ARCH[architecture]
    layer = template.load()["Resources"]["CommonLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["CompatibleArchitectures"] == [architecture]


@pytest.fixture(scope="module")
def lambda_layer(tmp_path_factory) -> Path:
    """The layer for Lambda's platform, as sam build makes it."""
    return _build(tmp_path_factory.mktemp("layer-lambda"), _make_variables()["ARCH"])


def test_the_layer_is_under_10_mb_and_holds_only_what_functions_load(lambda_layer):
    # 10 MB until the OpenID provider (issue 15) added its own code; 10.5 MB until the school console (issue 19:
    # about 80 kB of views and templates, 90 kB of the DSFR's table, navigation, pagination, select and upload,
    # then staff accounts and their second factor).
    assert _size(lambda_layer) < 11_000_000
    names = {path.name for path in lambda_layer.iterdir()}
    assert {"ent_accounts", "pydantic_core", "argon2", "jinja2", "aws_lambda_powertools", "email_validator"} <= names
    assert "defusedxml" in names  # the CAS function's SOAP parser: it has no other layer
    assert not names & {"boto3", "botocore", "dns", "pycparser", "fpdf", "PIL", "cryptography"}
    assert (lambda_layer / "ent_accounts" / "templates" / "mail" / "validation.html").exists()
    assert (lambda_layer / "ent_accounts" / "data" / "common_passwords.txt.gz").exists()
    assert {p.name for p in (lambda_layer / "ent_accounts" / "fonts").iterdir()} >= {"DejaVuSans.ttf", "LICENSE.txt"}
    assert not list(lambda_layer.rglob("__pycache__"))
    zones = lambda_layer / "tzdata" / "zoneinfo"
    assert sorted(str(p.relative_to(zones)) for p in zones.rglob("*") if p.name != "__init__.py" and p.is_file()) == [
        "Europe/Paris",
        "UTC",
    ]


@pytest.fixture
def aws_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_every_function_runs_from_the_pruned_layer_alone(tmp_path, aws_endpoint):
    """The same layer built for this machine: each handler imported and called (pages, JSON, mail, the mail queue,
    the logout queue, the sweep, mail events) in a Python without site-packages. A pruned module that is needed fails
    this test."""
    arch = os.uname().machine
    if arch not in ARCH.values():
        pytest.skip(f"no manylinux wheels for {arch}")
    layer = _build(tmp_path / "layer", arch)
    admin_layer = tmp_path / "admin-layer"  # as sam build makes layers/admin
    _pip_install(ROOT / "layers" / "admin" / "requirements.txt", admin_layer, arch)
    runtime = tmp_path / "runtime"  # boto3 and its dependencies, as the Lambda runtime has them
    runtime.mkdir()
    site_packages = Path(sysconfig.get_paths()["purelib"])
    for name in RUNTIME_PACKAGES:
        (runtime / name).symlink_to(site_packages / name)

    client = boto3.client("dynamodb", region_name="eu-west-3", endpoint_url=aws_endpoint)
    template.create_table(client, "accounts")
    boto3.client("sesv2", region_name="eu-west-3", endpoint_url=aws_endpoint).create_email_identity(
        EmailIdentity="ent.example.fr"
    )
    queues = template.create_queues(boto3.client("sqs", region_name="eu-west-3", endpoint_url=aws_endpoint), "accounts")

    functions = template.functions()
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    for function in functions.values():
        for name, value in function.environment.items():
            env[name] = resolve(value, "accounts", "https://ent.example.fr")
    env.update(
        AWS_ENDPOINT_URL=aws_endpoint,
        AWS_DEFAULT_REGION="eu-west-3",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        MAIL_SENDER="noreply@ent.example.fr",
        MAIL_CONFIGURATION_SET="",
        MAIL_QUEUE_URL=queues["MailQueue"],
        LOGOUT_QUEUE_URL=queues["LogoutQueue"],
        # The outbox's link codes (a first connection with an address derives its link's code hash with it).
        MAIL_LINK_KEY=template.create_kms_key(
            boto3.client("kms", region_name="eu-west-3", endpoint_url=aws_endpoint), "MailLinkKey"
        ),
        POWERTOOLS_METRICS_DISABLED="true",
        ADMIN_PRINCIPALS="arn:aws:iam::123456789012:role/layer-smoke",  # the smoke's admin calls sign as this role
    )
    plan = {
        # Lambda's /opt/python (the later layer's files over the earlier's), then the runtime's packages.
        "sys_path": [str(admin_layer), str(layer), str(runtime)],
        "events_module": str(ROOT / "local" / "events.py"),
        "functions": {logical_id: [str(f.code_dir), *f.handler.rsplit(".", 1)] for logical_id, f in functions.items()},
    }
    result = subprocess.run(
        [sys.executable, "-S", str(ROOT / "tests" / "support" / "layer_smoke.py")],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    loaded = set(answers.pop("loaded_from"))
    assert {"ent_accounts", "pydantic", "argon2", "jinja2", "email_validator", "fpdf", "cryptography"} <= loaded
    assert answers == {
        "login": 200,
        "first_connection_common": 400,
        "first_connection_bad_email": 400,
        "first_connection": 200,
        "page_login": 200,
        "page_pending": 401,  # without a session: a page that says to sign in again
        "validate_unknown_code": 410,
        "forgot": 202,
        "queued_mail": {"batchItemFailures": []},
        "logout_notice_unreadable": {"batchItemFailures": [{"itemIdentifier": "notice-1"}]},
        "account_without_session": 401,
        "openapi": 200,
        "oidc_discovery": 200,
        "oidc_unknown_client": 400,  # a French page: never a redirect for an unknown client
        "cas_unknown_service": 400,  # the same for CAS
        "cas_saml_refused": True,  # a SOAP body with an entity, refused by defusedxml: INVALID_REQUEST
        "page_forgot": 200,
        "static": 200,
        "admin_list": 200,
        "admin_import": 201,
        "admin_import_replay": 201,
        "admin_letters": 200,
        "admin_letters_type": "application/pdf",
        "sweep": answers["sweep"],
        "mail_event": "handled",
    }, answers


def test_the_isolated_run_does_catch_a_missing_package(tmp_path):
    """The check above is not a formality: the same interpreter, without the layer, cannot load a handler."""
    bare = {"PATH": os.environ["PATH"]}
    result = subprocess.run([sys.executable, "-S", "-c", "import pydantic"], capture_output=True, text=True, env=bare)
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr
    assert shutil.which("make"), "make builds the layer (BuildMethod: makefile)"


OIDC_SMOKE = """
import json, sys
plan = json.loads(sys.argv[1])
sys.path[:0] = plan["sys_path"]
from ent_accounts.services import services
signer = services().signer
token = signer.sign({"sub": "layer-smoke"})
jwks = signer.jwks()
print(json.dumps({
    "claims": signer.verified_claims(token),
    "kids": [key["kid"] for key in jwks["keys"]],
    "forged": signer.verified_claims(token[:-4] + "AAAA"),
    "joserfc": sys.modules["joserfc"].__file__,
    "cryptography": sys.modules["cryptography"].__file__,
}))
"""


def test_the_oidc_layer_with_the_common_layer_signs_publishes_and_verifies_alone(tmp_path, aws_endpoint):
    """What an OIDC function will load, in a Python without site-packages: the common layer (pruned), the OIDC layer
    over it, the runtime's boto3; a KMS key on moto's server."""
    arch = os.uname().machine
    if arch not in ARCH.values():
        pytest.skip(f"no manylinux wheels for {arch}")
    layer = _build(tmp_path / "layer", arch)
    oidc_layer = tmp_path / "oidc-layer"  # as sam build makes layers/oidc
    _pip_install(ROOT / "layers" / "oidc" / "requirements.txt", oidc_layer, arch)
    assert {"joserfc", "cryptography"} <= {path.name for path in oidc_layer.iterdir()}
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    site_packages = Path(sysconfig.get_paths()["purelib"])
    for name in RUNTIME_PACKAGES:
        (runtime / name).symlink_to(site_packages / name)
    kms = boto3.client("kms", region_name="eu-west-3", endpoint_url=aws_endpoint)
    key = template.create_kms_key(kms, "OidcSigningKeyA")
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "TABLE_NAME": "accounts",
        "OIDC_SIGNING_KEY": key,
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    plan = {"sys_path": [str(oidc_layer), str(layer), str(runtime)]}  # the later layer first, as in /opt/python
    result = subprocess.run(
        [sys.executable, "-S", "-c", OIDC_SMOKE, json.dumps(plan)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-4000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["claims"] == {"sub": "layer-smoke"} and answer["forged"] is None
    assert answer["kids"] == [key.rsplit("/", 1)[1]]
    assert answer["joserfc"].startswith(str(oidc_layer)) and answer["cryptography"].startswith(str(oidc_layer))


SCHOOL_FILES_SMOKE = """
import json, sys
plan = json.loads(sys.argv[1])
sys.path[:0] = plan["sys_path"]
from ent_accounts.school_files import read_school_file
answers = {}
for name in ("eleves.xlsx", "eleves.ods"):
    school_file = read_school_file(name, open(plan["files"][name], "rb").read())
    answers[name] = [school_file.kind, [row.birth_date for row in school_file.rows]]
answers["calamine"] = sys.modules["python_calamine"].__file__
from ent_accounts.staff.enrolment_qr import enrolment_qr_svg
answers["qr_code"] = enrolment_qr_svg("otpauth://totp/ENT:a@b.fr?secret=ABCDEFGH")[:26]
answers["segno"] = sys.modules["segno"].__file__
print(json.dumps(answers))
"""


def test_the_admin_layer_reads_schools_workbooks_and_draws_the_enrolment_qr_code_alone(tmp_path):
    """python-calamine (the workbooks' reader) and segno (the staff enrolment's QR code) from the admin layer as sam
    build makes it, the code from the common layer, in a Python without site-packages: an .xlsx and an .ods read,
    their date cells kept; a QR code drawn."""
    from tests.support import school_files

    arch = os.uname().machine
    if arch not in ARCH.values():
        pytest.skip(f"no manylinux wheels for {arch}")
    admin_layer = tmp_path / "admin-layer"
    _pip_install(ROOT / "layers" / "admin" / "requirements.txt", admin_layer, arch)
    assert _size(admin_layer / "python_calamine") < 5_000_000
    files = {"eleves.xlsx": school_files.xlsx_workbook(), "eleves.ods": school_files.ods_workbook()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    plan = {"sys_path": [str(admin_layer), str(LAYER_SOURCE)], "files": {name: str(tmp_path / name) for name in files}}
    result = subprocess.run(
        [sys.executable, "-S", "-c", SCHOOL_FILES_SMOKE, json.dumps(plan)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers.pop("calamine").startswith(str(admin_layer))
    assert answers.pop("segno").startswith(str(admin_layer))
    assert answers.pop("qr_code") == '<svg viewBox="0 0 148 148"'
    born = [born.isoformat() for _, _, born, _ in school_files.CLASS_4B]
    assert answers == {
        "eleves.xlsx": ["classeur Excel (.xlsx), feuille « Élèves »", [*born, "2012-08-09"]],
        "eleves.ods": ["classeur LibreOffice (.ods)", born],
    }
