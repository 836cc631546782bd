"""The pre-commit hook `cinv-check` (.pre-commit-hooks.yaml) runs whenever a commit touches a
file `cinv check` reads (issue 23 item 11: a broken hand-edited zone record was committed while
the hook looked at cinv.yaml, networks/ and hosts/ only). pre-commit selects files with
`re.search(files, path)`, as done here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cinv.paths import INVENTORY_INPUTS

HOOKS = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
EXAMPLES = {"cinv.yaml": "cinv.yaml", "hosts": "hosts/vms/web1.prod.example.com.yaml",
            "networks": "networks/prod.yaml", "zones": "zones/example.com.yaml",
            "templates": "templates/prometheus.yml.j2"}


def hook_files() -> re.Pattern:
    (hook,) = yaml.safe_load(HOOKS.read_text())
    assert hook["id"] == "cinv-check" and hook["pass_filenames"] is False
    return re.compile(hook["files"])


@pytest.mark.parametrize("prefix", ["", "inventory/"])
def test_every_input_of_check_runs_the_hook(prefix):
    assert set(EXAMPLES) == set(INVENTORY_INPUTS)  # a new input folder needs a line here
    files = hook_files()
    for path in EXAMPLES.values():
        assert files.search(prefix + path), prefix + path


@pytest.mark.parametrize("path", ["README.md", "build/dhcpd.conf", "cinv-out/main/hosts",
                                  ".gitignore", "ci/cinv-ci.sh", "zones/notes.txt"])
def test_other_files_do_not(path):
    assert not hook_files().search(path)
