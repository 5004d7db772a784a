"""The Lambda base image `sam local` runs the functions in (public.ecr.aws/lambda/python:<version>-<arch>).

A developer's machine with network pulls AWS's image, as SAM would. Where the registry is out of reach (these CI
machines), the same tag is built here: a minimal Debian rootfs whose python3 is the runtime's minor version
(debootstrap), AWS's runtime interface client and boto3 in /var/runtime, and a /var/runtime/bootstrap. SAM adds its
own emulator (aws-lambda-rie) and the layers on top, as it does on AWS's image; `--skip-pull-image` makes it use it.

    python -m local.sam.image      # make sure the image exists; prints how it got there and how long it took
"""

from __future__ import annotations

import fcntl
import os
import platform
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from local import template

HERE = Path(__file__).resolve().parent
CACHE = template.ROOT / ".cache" / "lambda-image"
# Debian releases whose python3 is the runtime's minor version.
DEBIAN_SUITE = {"3.13": "trixie"}
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
# Set in the image built here, so that a run knows SAM must not try to pull it.
LOCAL_BUILD_MARK = "ENT_ACCOUNTS_LOCAL_LAMBDA_IMAGE"
# What Lambda's Python runtime sets (sys.path order: the code, the layers, then the runtime's own packages).
RUNTIME_ENV = {
    "LANG": "C.UTF-8",
    "TZ": ":UTC",
    "LAMBDA_TASK_ROOT": "/var/task",
    "LAMBDA_RUNTIME_DIR": "/var/runtime",
    "PATH": "/usr/local/bin:/usr/bin:/bin:/opt/bin",
}


def machine_arch() -> str:
    """This machine's architecture in Lambda's words (x86_64 or arm64)."""
    return {"aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), platform.machine())


def image_name(arch: str, version: str | None = None) -> str:
    return f"public.ecr.aws/lambda/python:{version or template.runtime_version()}-{arch}"


@dataclass(frozen=True)
class Image:
    name: str
    built_here: bool  # True: SAM must run with --skip-pull-image
    how: str  # "present", "pulled" or "built"
    seconds: float


def _docker(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """A docker command; one that outlives its timeout answers as a failure with that reason, not a traceback."""
    try:
        return subprocess.run(["docker", *args], capture_output=True, text=True, **kwargs)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 1, "", f"docker {args[0]} took more than {kwargs.get('timeout')} s")


def docker_unavailable() -> str | None:
    """None when a Docker engine answers, else why not."""
    if shutil.which("docker") is None:
        return "docker is not installed"
    result = _docker("info", "--format", "{{.ServerVersion}}", timeout=30)
    if result.returncode != 0:
        return f"no Docker engine answers ({(result.stderr.strip().splitlines() or ['docker info failed'])[-1]})"
    return None


def _built_here(name: str) -> bool | None:
    """None when the image is absent; else whether it was built by this module."""
    result = _docker("image", "inspect", "--format", "{{json .Config.Env}}", name)
    if result.returncode != 0:
        return None
    return LOCAL_BUILD_MARK in result.stdout


@contextmanager
def one_at_a_time(name: str):
    """Held while this machine builds something shared (the image, a build dir): a second run waits for the first."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure(arch: str | None = None, *, pull: bool = True) -> Image:
    """The runtime image for `arch` (this machine's by default): already there, pulled from AWS, or built here."""
    with one_at_a_time("image"):
        return _ensure(arch or machine_arch(), pull)


def _ensure(arch: str, pull: bool) -> Image:
    name = image_name(arch)
    started = time.monotonic()
    present = _built_here(name)
    if present is not None:
        return Image(name, present, "present", time.monotonic() - started)
    if pull and _docker("pull", "--quiet", name, timeout=900).returncode == 0:
        return Image(name, False, "pulled", time.monotonic() - started)
    build(arch)
    return Image(name, True, "built", time.monotonic() - started)


def remove_local_build(arch: str | None = None) -> None:
    """Forget an image built here and its Debian rootfs (never an image pulled from AWS), to time a build."""
    name = image_name(arch or machine_arch())
    if _built_here(name):
        _docker("rmi", "-f", name)
    shutil.rmtree(CACHE, ignore_errors=True)


def build(arch: str) -> None:
    version = template.runtime_version()
    if arch != machine_arch():
        raise SystemExit(f"the {arch} image can only be built on an {arch} machine (this one is {machine_arch()})")
    suite = DEBIAN_SUITE.get(version) or sys.exit(f"no Debian release with Python {version} is known to image.py")
    if os.geteuid() != 0 or shutil.which("debootstrap") is None:
        sys.exit(
            f"{image_name(arch)} cannot be pulled, and building it here needs root and debootstrap "
            "(apt-get install debootstrap); see README.md, 'With Docker: sam local'"
        )
    rootfs = CACHE / f"{suite}-{arch}" / "rootfs"
    _debootstrap(suite, rootfs, version)
    _install_runtime(rootfs / "var" / "runtime", version, arch)
    bootstrap = rootfs / "var" / "runtime" / "bootstrap"
    shutil.copyfile(HERE / "bootstrap", bootstrap)
    bootstrap.chmod(0o755)
    (rootfs / "var" / "task").mkdir(exist_ok=True)
    site = f"/opt/python/lib/python{version}/site-packages"
    env = {**RUNTIME_ENV, "PYTHONPATH": f"/var/task:{site}:/opt/python:/var/runtime", "PYTHON_MINOR": version}
    changes = [f"ENV {name}={value}" for name, value in {**env, LOCAL_BUILD_MARK: "1"}.items()]
    changes.append("WORKDIR /var/task")
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    command = ["docker", "import", *(arg for change in changes for arg in ("--change", change)), "-", image_name(arch)]
    result = subprocess.run(command, stdin=tar.stdout, capture_output=True, text=True)
    tar.stdout.close()
    if tar.wait() != 0 or result.returncode != 0:
        sys.exit(f"docker import failed: {result.stderr.strip()}")


def _debootstrap(suite: str, rootfs: Path, version: str, attempts: int = 3) -> None:
    done = rootfs.parent / ".debootstrapped"
    if done.exists() and (rootfs / "usr" / "bin" / f"python{version}").exists():
        return  # kept in .cache between runs: the Debian part does not change with the project
    debs = CACHE / "debs"  # kept across attempts and runs: a retry downloads only what is missing
    debs.mkdir(parents=True, exist_ok=True)
    command = ["debootstrap", "--variant=minbase", "--include=python3,ca-certificates", f"--cache-dir={debs}"]
    for attempt in range(1, attempts + 1):
        # A fresh folder each time: after a failed download debootstrap (1.0.128) can list a package twice and then
        # stop with "file already exists" (seen on a loaded CI machine).
        shutil.rmtree(rootfs.parent, ignore_errors=True)
        rootfs.mkdir(parents=True)
        result = subprocess.run([*command, suite, str(rootfs), MIRROR], capture_output=True, text=True)
        if result.returncode == 0 and (rootfs / "usr" / "bin" / f"python{version}").exists():
            break
        if attempt == attempts:
            sys.exit(
                f"debootstrap {suite} from {MIRROR} failed {attempts} times (no way to that Debian mirror? set "
                f"DEBIAN_MIRROR); its last lines:\n{(result.stdout + result.stderr)[-1500:]}"
            )
    for unused in ("usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info", "var/cache/apt"):
        shutil.rmtree(rootfs / unused, ignore_errors=True)
    done.touch()


def _install_runtime(target: Path, version: str, arch: str) -> None:
    shutil.rmtree(target, ignore_errors=True)
    wheel_arch = {"arm64": "aarch64"}.get(arch, arch)
    platforms = [f"--platform={tag}_{wheel_arch}" for tag in ("manylinux_2_34", "manylinux_2_28", "manylinux2014")]
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    command += ["--only-binary=:all:", *platforms, "--implementation", "cp", "--python-version", version]
    command += ["--target", str(target), "-r", str(HERE / "runtime-requirements.txt")]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"pip could not install the runtime's packages from PyPI; its last lines:\n{result.stderr[-1500:]}")


if __name__ == "__main__":
    image = ensure()
    print(f"{image.name}: {image.how} in {image.seconds:.0f} s")
