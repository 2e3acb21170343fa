"""Build hook: a wheel carries the front end, web/ and the npm packages it imports, as package data.

Everything else is declared in pyproject.toml. When a wheel is built (from the checkout or from the sdist,
which carries web/ with its lock file), `build_py` copies web/ (without node_modules and tests) to
backprop_playground/web/ and installs web/package-lock.json's runtime packages (`npm ci --omit=dev`) in a
temporary directory, of which only the packages web/package.json lists under "dependencies" are kept: their
package.json, licence files and built files (dist/ when there is one), without source maps or sources. The
pages import those built files through /vendor (the import map); their own dependencies are bundled in.
An editable install copies nothing: the server then serves the checkout's web/ (settings.py). Where there is
no npm (a container's Python stage), BACKPROP_NODE_MODULES names a node_modules already installed from the
lock file (`npm ci --omit=dev`); the packages' versions are checked against the lock file either way.

The pages themselves are served from their build, web/dist (web/build.mjs: bundled, minified, precompressed,
content-hashed): built again here where node and esbuild are at hand (a checkout after `make deps`), else
(an sdist, which carries it) it must match its sources, as the server checks them (webbuild.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
WEB = HERE / "web"
SKIP_WEB = shutil.ignore_patterns("node_modules", "tests", "__pycache__", ".*")
# files of an npm package that the browser never loads (licence texts are always kept)
_SKIP_PACKAGE = shutil.ignore_patterns(
    "*.map", "*.ts", "*.md", "*.txt", "src", "types", "node_modules", "bin", "cli.js", ".*"
)
LICENCE_WORDS = ("license", "licence", "notice", "copying")


def _is_licence(name: str) -> bool:
    return any(word in name.lower() for word in LICENCE_WORDS)


def skip_package(directory: str, names: list[str]) -> set[str]:
    return {name for name in _SKIP_PACKAGE(directory, names) if not _is_licence(name)}


def runtime_packages(web: Path) -> list[str]:
    """The npm packages the pages import: web/package.json's "dependencies" (not the dev ones)."""
    return sorted(json.loads((web / "package.json").read_text(encoding="utf-8")).get("dependencies", {}))


def install_runtime_packages(web: Path, dest: Path) -> None:
    """`npm ci --omit=dev` from web's lock file in a temporary directory; copy the runtime packages' needed
    files to dest (a node_modules directory). BACKPROP_NODE_MODULES names a node_modules directory already
    installed that way (e.g. by a Node stage of a container build) to take them from instead, without npm."""
    prebuilt = os.environ.get("BACKPROP_NODE_MODULES")
    if prebuilt:
        copy_runtime_packages(web, Path(prebuilt), dest)
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("building the wheel needs npm (Node 20) to install the front end's packages, or "
                           "BACKPROP_NODE_MODULES naming a node_modules installed from web/package-lock.json")
    with tempfile.TemporaryDirectory(prefix="bp-npm-") as tmp:
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(web / name, tmp)
        subprocess.run(
            [npm, "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=tmp, check=True,
        )
        copy_runtime_packages(web, Path(tmp) / "node_modules", dest)


def copy_runtime_packages(web: Path, node_modules: Path, dest: Path) -> None:
    """Each runtime package from node_modules to dest, at the version web/package-lock.json pins."""
    locked = json.loads((web / "package-lock.json").read_text(encoding="utf-8")).get("packages", {})
    for name in runtime_packages(web):
        src = node_modules / name
        if not (src / "package.json").is_file():
            raise RuntimeError(f"no {name} in {node_modules}: is web/package-lock.json up to date?")
        have = json.loads((src / "package.json").read_text(encoding="utf-8")).get("version")
        want = locked.get(f"node_modules/{name}", {}).get("version")
        if have != want:
            raise RuntimeError(f"{src} is version {have}; web/package-lock.json pins {want}")
        copy_package(src, dest / name)


def copy_package(src: Path, dest: Path) -> None:
    """An npm package's package.json, licence files and its dist/ (or, without one, its other files)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / "package.json", dest / "package.json")
    for path in src.iterdir():
        if path.is_file() and _is_licence(path.name):
            shutil.copy2(path, dest / path.name)
    if (src / "dist").is_dir():
        shutil.copytree(src / "dist", dest / "dist", ignore=skip_package, dirs_exist_ok=True)
    else:
        shutil.copytree(src, dest, ignore=skip_package, dirs_exist_ok=True)


def build_front_end(web: Path) -> None:
    """web/dist fresh for web/'s sources: built where it can be, else checked (RuntimeError if stale)."""
    if shutil.which("node") and (web / "node_modules" / "esbuild").is_dir():
        subprocess.run(["node", str(web / "build.mjs")], check=True)
        return
    # the server's own check, loaded by path (the package itself needs what a build environment lacks)
    spec = importlib.util.spec_from_file_location("webbuild", HERE / "server/backprop_playground/webbuild.py")
    webbuild = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(webbuild)
    if not webbuild.WebBuild(web).fresh():
        raise RuntimeError(f"{web / 'dist'} is missing or older than its sources: run `make build` first "
                           "(node web/build.mjs, after npm ci in web/)")


class BuildWithWeb(build_py):
    """build_py that also puts the front end into the built package (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not (WEB / "package-lock.json").is_file():
            raise RuntimeError(f"no front end to package: {WEB / 'package-lock.json'} is missing")
        target = Path(self.build_lib) / "backprop_playground" / "web"
        if target.exists():
            shutil.rmtree(target)
        build_front_end(WEB)
        shutil.copytree(WEB, target, ignore=SKIP_WEB)
        install_runtime_packages(WEB, target / "node_modules")


setup(cmdclass={"build_py": BuildWithWeb})
