#!/usr/bin/env python3
"""One entry point for a fresh machine: ``python3 dev.py demo`` and ``python3 dev.py test``.

It needs only Python 3.11+ and pip. It creates ``.venv`` beside this file, installs the project
and its test dependencies into it (again only when pyproject.toml changed), installs the front-end
libraries locked in package-lock.json into ``frontend/vendor/`` (again only when the lock file
changed; ``npm ci`` when npm is on PATH, else the locked tarballs checked against their lock-file
integrity), then:

    demo   migrate, generate the demo city if absent, create one login per role and print them,
           start the background worker, serve on http://127.0.0.1:8000 with gunicorn.
    test   run the whole test suite (pytest) on the database in DATABASE_URL (default SQLite).
    lint   ruff check (rules in pyproject.toml) and lint-imports (the app layering contracts).
    bench  run the benchmarks in bench/ and update BENCHMARKS.md.
    manage pass the rest of the command line to manage.py inside the venv.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"


def sh(*args, **kw) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.call([str(a) for a in args], cwd=ROOT, **kw)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by any python3: say which it needs
        sys.exit("Python 3.11 or newer is needed (run: python3.11 dev.py ...)")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".jiewang-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    quiet = ["-q"] if os.environ.get("CI") else []
    if sh(PY, "-m", "pip", "install", *quiet, "--upgrade", "pip") != 0:
        sys.exit("pip upgrade failed")
    if sh(PY, "-m", "pip", "install", *quiet, "-e", ".[test]") != 0:
        sys.exit("installing the project failed")
    stamp.write_text(digest)


# What each front-end package contributes to frontend/vendor/<dir>/: (source in the package, target).
# A source ending in "/" copies the whole folder.
VENDOR_FILES = {
    "htmx.org": ("htmx", [("dist/htmx.min.js", "htmx.min.js"), ("LICENSE", "LICENSE")]),
    "leaflet": ("leaflet", [("dist/leaflet.js", "leaflet.js"), ("dist/leaflet.css", "leaflet.css"),
                            ("dist/images/", "images"), ("LICENSE", "LICENSE")]),
    "axe-core": ("axe-core", [("axe.min.js", "axe.min.js"), ("LICENSE", "LICENSE")]),
    "echarts": ("echarts", [("dist/echarts.min.js", "echarts.min.js"), ("LICENSE", "LICENSE")]),
}
VENDOR = ROOT / "frontend" / "vendor"


def _verify_integrity(data: bytes, integrity: str, name: str) -> None:
    """Check ``data`` against a Subresource-Integrity string such as ``sha512-<base64>``."""
    for token in integrity.split():
        algo, _, expected = token.partition("-")
        if algo in ("sha512", "sha384", "sha256", "sha1"):
            actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
            if actual == expected:
                return
    sys.exit(f"{name}: the downloaded tarball does not match its integrity in package-lock.json")


def _fetch_locked_packages(lock: dict, dest: Path) -> None:
    """Without npm: download each locked tarball, verify it, unpack it to dest/<name>/."""
    for key, meta in lock.get("packages", {}).items():
        if not key.startswith("node_modules/") or key.count("node_modules/") > 1:
            continue
        name = key[len("node_modules/"):]
        integrity = meta.get("integrity")
        # A lock written with omit-lockfile-registry-resolved has no URL: use the registry's layout.
        url = meta.get("resolved") or (f"https://registry.npmjs.org/{name}/-/"
                                       f"{name.rsplit('/', 1)[-1]}-{meta.get('version')}.tgz")
        if not integrity:
            sys.exit(f"{name}: package-lock.json lacks the 'integrity' to check the download against")
        print(f"fetching {url}", flush=True)
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - the lock file's own URL
            data = resp.read()
        _verify_integrity(data, integrity, name)
        target = dest / name
        with tempfile.TemporaryDirectory() as tmp, tarfile.open(fileobj=io.BytesIO(data)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:  # Python < 3.11.4: refuse absolute and parent paths ourselves
                for m in tar.getmembers():
                    if m.name.startswith(("/", "..")) or "/../" in m.name or not (m.isfile() or m.isdir()):
                        sys.exit(f"{name}: unsafe path in tarball: {m.name}")
                tar.extractall(tmp)
            top = next(Path(tmp).iterdir())  # npm tarballs hold one folder, normally "package/"
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(top, target)


def ensure_assets() -> None:
    """Install the front-end libraries of package-lock.json into frontend/vendor/ (docs/web.md)."""
    lock_file = ROOT / "package-lock.json"
    digest = hashlib.sha256(lock_file.read_bytes()).hexdigest()
    stamp = VENDOR / ".installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    lock = json.loads(lock_file.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        npm = shutil.which("npm")
        if npm:
            modules = ROOT / "node_modules"
            if sh(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund") != 0:
                sys.exit("npm ci failed")
        else:
            print("npm not found: fetching the locked tarballs from the registry", flush=True)
            modules = Path(tmp) / "node_modules"
            _fetch_locked_packages(lock, modules)
        shutil.rmtree(VENDOR, ignore_errors=True)
        for package, (folder, files) in VENDOR_FILES.items():
            for src, dst in files:
                source, target = modules / package / src, VENDOR / folder / dst
                target.parent.mkdir(parents=True, exist_ok=True)
                if src.endswith("/"):
                    shutil.copytree(source, target)
                else:
                    shutil.copy2(source, target)
    stamp.write_text(digest)
    print(f"front-end libraries installed in {VENDOR.relative_to(ROOT)}/", flush=True)


def manage(*args) -> int:
    return sh(PY, "manage.py", *args)


def demo(argv: list[str]) -> int:
    scale = os.environ.get("JIEWANG_DEMO_SCALE", "city")
    for step in (("migrate", "--noinput"), ("seed_demo", "--scale", scale, "--seed", "1")):
        if manage(*step) != 0:
            return 1
    manage("collectstatic", "--noinput", "-v", "0")
    worker = subprocess.Popen([str(PY), "manage.py", "run_worker"], cwd=ROOT)
    bind = os.environ.get("JIEWANG_BIND", "127.0.0.1:8000")
    print(f"\n  Jiewang demo: http://{bind}/   API docs: http://{bind}/api/docs\n", flush=True)
    server = subprocess.Popen(
        [str(VENV / "bin" / "gunicorn"), "config.wsgi:application", "--bind", bind,
         "--workers", os.environ.get("WEB_CONCURRENCY", "2"), "--access-logfile", "-"],
        cwd=ROOT,
    )

    def stop(*_):
        for p in (server, worker):
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop()
        for p in (server, worker):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def test(argv: list[str]) -> int:
    """The whole suite, on as many workers as the machine has cores (pytest-xdist; each worker its
    own test database), unless the caller chose (``-n``) or names tests to run alone (``-p no:xdist``)."""
    workers = [] if any(a == "-n" or a.startswith("-n") or a == "--numprocesses" for a in argv) else \
        ["-n", str(max(1, min(4, os.cpu_count() or 1)))]
    return sh(PY, "-m", "pytest", *workers, *argv)


def lint(argv: list[str]) -> int:
    """The checks CI runs before the tests: ruff, then the import-linter contracts."""
    ruff = sh(VENV / "bin" / "ruff", "check", *argv, ".")
    contracts = sh(VENV / "bin" / "lint-imports")
    return 1 if ruff or contracts else 0


def bench(argv: list[str]) -> int:
    return sh(PY, "-m", "bench", *argv)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "lint", "bench", "manage"}:
        print(__doc__)
        return 2
    ensure_venv()
    if sys.argv[1] not in ("bench", "lint"):
        ensure_assets()
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "manage":
        return manage(*rest)
    return {"demo": demo, "test": test, "lint": lint, "bench": bench}[cmd](rest)


if __name__ == "__main__":
    sys.exit(main())
