"""The house as built: the import contracts of pyproject.toml ([tool.importlinter]) hold, they
break when a module imports against them, and the README's layout paragraph names every
package of cinv/."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"  # import-linter, a test extra


def lint(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else None
    return subprocess.run([str(LINT), "--no-cache", "--no-logo"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    r = lint(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout and "3 kept" in r.stdout, r.stdout


def test_an_import_against_the_layers_breaks_them(tmp_path):
    """The records importing a render run is both a circle and an import upwards: the copy
    with that one import added fails both contracts."""
    shutil.copytree(ROOT / "cinv", tmp_path / "cinv",
                    ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    model = tmp_path / "cinv" / "records" / "model.py"
    model.write_text(model.read_text() + "\nfrom cinv import output  # noqa: E402,F401\n")
    r = lint(tmp_path, pythonpath=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    broken = re.findall(r"^(.+) BROKEN$", r.stdout, re.M)
    assert len(broken) == 2, r.stdout
    assert "cinv.records.model -> cinv.output" in r.stdout


def test_the_readme_names_every_package():
    text = (ROOT / "README.md").read_text()
    section = text.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    packages = sorted(p.parent.name for p in (ROOT / "cinv").glob("*/__init__.py"))
    assert packages
    missing = [p for p in packages if f"`cinv/{p}/`" not in section]
    assert not missing, f"README's layout paragraph does not name {missing}"
