"""Anything `cinv render` refuses is an error of `cinv check` (exit 1), with the same words.

One case per refusal render has that the inventory can cause; `test_every_refusal_is_listed`
reads cinv/render/ and fails when a refusal appears that no case (or reason) here covers."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import invoke, write_files

RENDER = Path(__file__).resolve().parents[1] / "cinv" / "render"

SETTINGS = """\
domain: example.com
dns:
  primary_ns: ns1.example.net.
  nameservers: [ns1.example.net.]
render:
  targets:
{targets}
"""
NETWORK = "domain: prod.example.com\nipv4: 192.0.2.0/24\n"
HOST = """\
kind: virtual
interfaces:
  - name: eth0
    mac: '52:54:00:00:00:01'
    network: prod
    ipv4: 192.0.2.10
"""
TARGET = '    mine: {template: mine.j2, each: host, path: "mine/{{ host.name }}.txt"}'


def inventory(root: Path, targets: str = TARGET, templates: dict | None = None,
              settings: str | None = None, extra: dict | None = None) -> Path:
    files = {"cinv.yaml": settings or SETTINGS.format(targets=targets),
             "networks/prod.yaml": NETWORK, "hosts/web1.prod.example.com.yaml": HOST,
             **(extra or {})}
    for name, text in (templates or {}).items():
        files[f"templates/{name}"] = text
    return write_files(root, files)


def _symlink(root: Path) -> str:
    outside = root.parent / "outside.j2"
    outside.write_text("{{ host.name }}\n")
    (root / "templates" / "mine.j2").unlink()
    (root / "templates" / "mine.j2").symlink_to(outside)
    return f"templates/mine.j2: is a symlink to {outside}, outside the inventory; not read"


def _render_out(out: str) -> str:
    return SETTINGS.format(targets="    {}").replace("render:\n", f"render:\n  out: {out}\n")


CASES = {
    "nameserver in a zone without a host": dict(
        settings=SETTINGS.format(targets="    {}").replace("ns1.example.net.", "ns1.example.com."),
        want="cinv.yaml:2: dns.nameservers: ns1.example.com. lies in zone example.com, but no "
             "host has that name and an address; add one, or name another nameserver"),
    "template syntax error": dict(
        templates={"mine.j2": "{{ host.name }\n"},
        want="templates/mine.j2:1: syntax error: unexpected '}' (rendering target mine)"),
    "template missing": dict(
        at="cinv.yaml:5: ", want="template 'mine.j2' is in neither the inventory's templates/ nor "
             "cinv's built-in templates (rendering target mine)"),
    "undefined variable": dict(
        templates={"mine.j2": "x\n{{ host.nope }}\n"},
        want="templates/mine.j2:2: undefined: 'record object' has no attribute 'nope' "
             "(rendering target mine for host web1.prod.example.com)"),
    "refused by the sandbox": dict(
        templates={"mine.j2": "{{ inv.hosts.append(1) }}\n"},
        want="templates/mine.j2:1: refused by the sandbox: access to attribute 'append' of "
             "'list' object is unsafe. (rendering target mine for host web1.prod.example.com)"),
    "error in the path template": dict(
        targets='    mine: {template: mine.j2, each: host, path: "{{ host.nope }}"}',
        templates={"mine.j2": "x\n"},
        at="cinv.yaml:5: ", want="<template>:1: undefined: 'record object' has no attribute 'nope' "
             "(rendering target mine for host web1.prod.example.com)"),
    "path outside the output dir": dict(
        targets='    mine: {template: mine.j2, path: "{{ \'..\' }}/escape"}',
        templates={"mine.j2": "x\n"},
        at="cinv.yaml:5: ", want="target mine: output path '../escape' is not a plain "
                                 "relative path inside the output directory: it has an empty, "
                                 "'.' or '..' component"),
    "literal path outside the output dir": dict(
        targets='    mine: {template: mine.j2, path: "../escape"}', templates={"mine.j2": "x\n"},
        want="cinv.yaml:7: render.targets.mine.path: '../escape' has an empty, '.' or '..' "
             "component; it must be a plain relative path inside the output directory"),
    "render.out outside the inventory": dict(
        settings=_render_out("../elsewhere"),
        want="cinv.yaml:6: render.out: output dir '../elsewhere' has an empty, '.' or '..' "
             "component; it must be a folder inside the inventory (--out may name another)"),
    "render.out in an input folder": dict(
        settings=_render_out("hosts/x"),
        want="cinv.yaml:6: render.out: 'hosts/x' lies in an input folder of the inventory"),
    "template computing too much": dict(
        templates={"mine.j2": "{{ 'x' * 1000000000 }}\n"},
        want="templates/mine.j2:1: repeating a value of 1 items 1000000000 times is over the "
             "limit of 67108864 per file; refusing (rendering target mine for host "
             "web1.prod.example.com)"),
    "two targets write one file": dict(
        targets='    mine: {template: mine.j2, path: "hosts"}', templates={"mine.j2": "x\n"},
        at="cinv.yaml:5: ", want="targets hosts and mine both write hosts"),
    "two user targets write one file": dict(
        targets='    mine: {template: mine.j2, each: network, path: "same.txt"}\n'
                '    more: {template: mine.j2, each: host, path: "same.txt"}',
        templates={"mine.j2": "x\n"},
        at="cinv.yaml:5: ", want="targets mine and more both write same.txt"),
    "override of a built-in template": dict(
        targets="    {}", templates={"hosts.j2": "{{ nope }}\n"},
        want="templates/hosts.j2:1: undefined: 'nope' is undefined (rendering target hosts)"),
    "template not UTF-8": dict(
        templates={"mine.j2": b"\xff\xfe{{ x }}\n"},
        want="templates/mine.j2: cannot be read as UTF-8 text ('utf-8' codec can't decode byte "
             "0xff in position 0: invalid start byte)"),
    "a zone record DNS refuses": dict(
        targets="    {}", extra={"zones/example.com.yaml":
                                 'records:\n  "@": [{type: MX, value: "ten mail"}]\n'},
        want="zones/example.com.yaml:2: records.@: MX: MX 'ten mail': expecting an integer"),
    "a branch template writes what loads code, runs a program or reads a file": dict(
        targets="    {}", templates={"dnsmasq.conf.j2": "domain=example.com\nconf-file=/x\n"},
        want="templates/dnsmasq.conf.j2:2: dnsmasq/cinv.conf:2: dnsmasq option conf-file is "
             "not one a rendered file may hold (it reads another file, runs a program, writes "
             "a file or is not a DHCP or DNS option cinv allows) (rendering target dnsmasq)"),
    "a branch's own report script": dict(
        targets="    {}", templates={"report.js.j2": "fetch('https://evil.example/');\n"},
        want="templates/report.js.j2: the report page, its script and its "
             "Content-Security-Policy come from cinv only; an inventory may not supply them "
             "(remove templates/report*.j2)"),
    "template a symlink out of the inventory": dict(
        templates={"mine.j2": "x\n"}, prepare=_symlink, want=None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_render_refuses_and_check_reports_it(tmp_path, case):
    spec = dict(CASES[case])
    want, at, prepare = spec.pop("want"), spec.pop("at", ""), spec.pop("prepare", None)
    root = inventory(tmp_path / "inv", **spec)
    if prepare:
        want = prepare(root) or want
    render = invoke("-C", root, "render", "--out", tmp_path / "out")
    assert render.code == 1, render
    refusal = [line.removeprefix("cinv: ") for line in render.err.splitlines()]
    assert want in refusal, render.err
    check = invoke("-C", root, "check")
    assert check.code == 1, check
    assert at + want in check.out.splitlines(), check.out
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_valid_user_target_is_no_problem(tmp_path):
    root = inventory(tmp_path / "inv", templates={"mine.j2": "{{ host.name }}\n"})
    assert invoke("-C", root, "check").code == 0
    assert invoke("-C", root, "render", "--out", tmp_path / "out").code == 0
    assert (tmp_path / "out" / "mine" / "web1.prod.example.com.txt").read_text() == \
        "web1.prod.example.com\n"


def test_one_target_writing_twice(tmp_path):
    root = inventory(tmp_path / "inv", targets='    mine: {template: mine.j2, each: host, '
                     'path: "same.txt"}', templates={"mine.j2": "x\n"})
    write_files(root, {"hosts/web2.prod.example.com.yaml": HOST.replace(":01", ":02").replace(
        ".10", ".11")})
    want = "target mine writes same.txt twice (make its path depend on the host)"
    render = invoke("-C", root, "render", "--out", tmp_path / "out")
    assert render.code == 1 and render.err.strip() == f"cinv: {want}"
    check = invoke("-C", root, "check")
    assert check.code == 1 and f"cinv.yaml:5: {want}" in check.out.splitlines()


# Every raise in cinv/render/: the case above that makes render hit it, or why the inventory
# cannot (the command line, the output directory, cinv's own code).
SITES = {
    ("__init__.py", "out_dir", "it must be a relative path"):
        "the command line (--out); render.out in cinv.yaml is checked: render.out outside the "
        "inventory",
    ("__init__.py", "out_dir", "is the inventory itself"):
        "the command line (--out); render.out: render.out outside the inventory",
    ("__init__.py", "out_dir", "lies in {first} of the inventory"):
        "the command line (--out); render.out: render.out in an input folder",
    ("__init__.py", "out_dir", "inside a .git folder"):
        "the command line (--out); render.out: render.out outside the inventory",
    ("__init__.py", "render_files", "unknown target"): "the command line names a target",
    ("__init__.py", "run", "--ref {ws.ref}: name the output dir"): "the command line (--ref)",
    ("__init__.py", "run", "is not a directory"): "the output directory",
    ("__init__.py", "_run", "ProblemsError(errors)"): "nameserver in a zone without a host",
    ("dns.py", "build_zones", "cinv.yaml: dns.nameservers"): "nameserver in a zone without a "
                                                              "host",
    ("dns.py", "_own_records", "{path}:{line}: {e}"): "a zone record DNS refuses",
    ("diff.py", "split_arguments", "unknown target"): "the command line names a target",
    ("diff.py", "side", "`cinv check` reports"): "nameserver in a zone without a host",
    ("fast.py", "clean_path", "both write"): "two targets write one file",
    ("fast.py", "clean_path", "is not a plain relative"):
        "internal: cinv's own paths are host and zone names, clean by their checks",
    ("incremental.py", "make", "NeedsTemplates()"):
        "internal: the parts cannot be kept (cache not writable): renders by the templates",
    ("incremental.py", "make_in_workers", "NeedsTemplates()"):
        "internal: a host needs a template after all: renders by the templates",
    ("incremental.py", "_render", "NeedsTemplates()"):
        "internal: a host needs a template after all: renders by the templates",
    ("incremental.py", "_render", "ended without its result"):
        "internal: a render process died (killed, out of memory)",
    ("incremental.py", "_render", "CinvError(result[1])"):
        "internal: a refusal relayed from a render process, listed here where it is raised",
    ("incremental.py", "_render", "RuntimeError(result[1])"):
        "internal: a bug in a render process, raised as a bug",
    ("incremental.py", "_checked", "ProblemsError(errors)"):
        "nameserver in a zone without a host",
    ("hostparts.py", "dnsmasq", "Fallback"):
        "internal: that target renders by its template, which names what is wrong",
    ("env.py", "get_source", "jinja2.TemplateNotFound"): "template missing",
    ("env.py", "get_source", "cannot be read as UTF-8"): "template not UTF-8",
    ("env.py", "template_seconds", "CINV_TEMPLATE_TIMEOUT"): "the environment of the command",
    # the budgets of the sandbox: check runs the same render_target, so the same bounds
    ("env.py", "call_binop", "repeating a value"): "template computing too much",
    ("env.py", "call_binop", "a product of more"): "template computing too much",
    ("env.py", "call_binop", "a power of more"): "template computing too much",
    ("env.py", "on_alarm", "_Timeout()"): "template computing too much",
    ("env.py", "bounded", "took longer than"): "template computing too much",
    ("env.py", "bounded", "not rendered"): "template computing too much",
    ("env.py", "bounded", "needed more than"): "template computing too much",
    ("env.py", "render_bounded", "the output is over the limit"): "template computing too much",
    ("serial.py", "read", "FileNotFoundError"): "internal: a missing blob reads as absent",
    ("targets.py", "render_target", "_own_only"): "a branch's own report script",
    ("targets.py", "_render_target", "template_error(e, out.template, f\"target"):
        "template syntax error",
    ("targets.py", "_render_target", "template_error(e, f\"path of target"):
        "error in the path template",
    ("targets.py", "_render_target", "is not a plain relative"): "path outside the output dir",
    ("targets.py", "_render_target", "budget_error(e, out.template, what)"):
        "template computing too much",
    ("targets.py", "_render_target", "template_error(e, out.template, what)"):
        "undefined variable",
    ("targets.py", "_render_target", "both write"): "two targets write one file",
    ("targets.py", "_render_target", "twice"): "the case test_one_target_writing_twice",
    ("rules/kea.py", "_no_repeats", "ValueError"):
        "internal: caught by the rule, which refuses the file as the case below",
    ("rules/others.py", "_mapping", "_Repeated"):
        "internal: caught by the rule, which refuses the file as the case below",
    ("rules/__init__.py", "refuse", "CinvError"):
        "a branch template writes what loads code, runs a program or reads a file",
    ("verify.py", "_paths_only", "both write"): "two targets write one file",
    ("verify.py", "_paths_only", "is not a plain relative"): "path outside the output dir",
    ("view.py", "__getattr__", "AttributeError"): "internal: attribute lookup of a record",
    ("item.py", "__getattr__", "AttributeError"): "internal: attribute lookup of a record",
    ("writer.py", "_read_manifest", "unreadable"): "the output directory",
    ("writer.py", "_read_manifest", "is not in its normal form"): "the output directory",
    ("writer.py", "__call__", "refusing to write outside"): "the output directory",
    ("writer.py", "put", "is a symlink"): "the output directory",
    ("writer.py", "put", "is a directory where"): "the output directory",
    ("writer.py", "apply", "refusing to overwrite"): "the output directory",
    ("splice.py", "apply", "refusing to overwrite"): "the output directory",
    ("splice.py", "_manifest_edit", "not as cinv wrote it"):
        "internal: the manifest's stat is checked before a splice",
    ("outstate.py", "__getitem__", "KeyError"): "internal: a mapping's missing key",
    ("parts.py", "_bucket", "NeedsTemplates"): "internal: parts not kept: renders as before",
    ("parts.py", "make_in_workers", "NeedsTemplates"):
        "internal: parts not kept: renders as before",
    # a layout that does not fit the file, or a change a splice cannot make: a full render
    **{("segments.py", fn, "ValueError"): "internal: a splice gives way to a full render"
       for fn in ("load", "copy", "index", "edit_lines", "pieces")},
    **{(file, fn, "Mismatch"): "internal: a splice gives way to a full render"
       for file, fn in (("splice.py", "kea"), ("splice.py", "ansible"), ("splice.py", "_groups"),
                        ("splice.py", "libvirt"), ("splice.py", "_have"),
                        ("splice.py", "_shared_shorts"),
                        ("splicedns.py", "zones"), ("splicereport.py", "_capacity"),
                        ("incremental.py", "_spliced"))},
}


def raise_sites():
    for path in sorted(RENDER.rglob("*.py")):
        text = path.read_text()
        path = path.relative_to(RENDER)

        def walk(node, function):
            for child in ast.iter_child_nodes(node):
                name = child.name if isinstance(child, ast.FunctionDef) else function
                if isinstance(child, ast.Raise) and child.exc is not None:
                    yield path.as_posix(), name, ast.get_source_segment(text, child.exc)
                yield from walk(child, name)
        yield from walk(ast.parse(text), None)


def test_every_refusal_is_listed():
    for file, function, source in raise_sites():
        found = [why for (f, fn, words), why in SITES.items()
                 if f == file and fn == function and words in source]
        assert found, (f"cinv/render/{file}: {function}() raises {source[:70]!r}: add the "
                       "inventory that makes render refuse this to CASES (and `cinv check` "
                       "must report it), or say in SITES why no inventory can")
        for why in found:
            case = why.rsplit(": ", 1)[-1]
            assert case in CASES or why.startswith(("the ", "internal:")), why
