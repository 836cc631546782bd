"""The rules of libvirt domain XML and the Ansible inventory: the rules of the fields they are
made of, applied to the whole rendered file (cinv/check/hostreach.py, cinv/check/ansiblevars.py)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import yaml

from cinv import policy
from cinv.check import ansiblevars, hostreach

_DECL = re.compile(r"<!\s*(DOCTYPE|ENTITY)|<\?(?!xml\s)", re.I)


def check_domain(text: str, inv):
    from cinv.render.rules.finding import Finding
    m = _DECL.search(text)
    if m:
        return Finding(text.count("\n", 0, m.start()) + 1, m.group().strip(),
                       "a DOCTYPE, ENTITY or processing instruction; not in a rendered domain")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        return Finding(e.position[0], "", f"not well-formed XML ({e})")
    why = hostreach.Reach(inv.settings.image_dir).document(root)
    if why is None:
        return None
    tag = re.search(r"<([A-Za-z_][\w.-]*)", why)
    word = f"<{tag.group(1)}" if tag else ""
    at = text.find(word) if word else -1
    if tag and at < 0:  # written with a namespace prefix
        found = re.search(rf"<[\w.-]+:{re.escape(tag.group(1))}\b", text)
        word, at = (found.group(), found.start()) if found else (word, -1)
    return Finding(text.count("\n", 0, at) + 1 if at >= 0 else 1, word, why)


class _Unsafe(str):
    """Text tagged !unsafe: Ansible never evaluates it as a template."""


class _Loader(yaml.SafeLoader):
    """YAML as Ansible's inventory plugin reads it: !unsafe and !vault are its own tags."""


class _Repeated(Exception):
    def __init__(self, key, line: int):
        super().__init__(key)
        self.key, self.line = key, line


def _mapping(loader, node):
    seen = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise _Repeated(key, key_node.start_mark.line + 1)
        seen.add(key)
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor("!unsafe", lambda loader, node: _Unsafe(loader.construct_scalar(node)))
_Loader.add_constructor("!vault", lambda loader, node: _Unsafe(loader.construct_scalar(node)))


def _plain(value):
    """The value with !unsafe text left out (Ansible never templates it)."""
    if isinstance(value, _Unsafe):
        return ""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _group(name, group: dict, allowed: frozenset):
    """(word, why) of the first var of a group (and its hosts and children) refused."""
    if name == "_meta":
        return name, "a group named _meta (the key of every host's vars in Ansible's protocol)"
    if not isinstance(group, dict):
        return None
    found = []
    for key in ("vars",):
        found.append(group.get(key) or {})
    for host_vars in (group.get("hosts") or {}).values():
        found.append(host_vars or {})
    for values in found:
        if not isinstance(values, dict):
            return str(values)[:20], "vars that are not a mapping"
        for var, value in values.items():
            why = ansiblevars.why_not(str(var), _plain(value), allowed)
            if why:
                return str(var), f"{var}: {why}"
    for child, sub in (group.get("children") or {}).items():
        bad = _group(child, sub or {}, allowed)
        if bad:
            return bad
    return None


def check_ansible(text: str, _inv):
    from cinv.render.rules.finding import Finding
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader with two tags
    except _Repeated as e:
        return Finding(e.line, f"{e.key}:", f"key {e.key!r} given twice in one mapping "
                       "(readers differ in which one they take)")
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        return Finding(mark.line + 1 if mark else 1, "", f"not YAML Ansible reads ({problem})")
    if not isinstance(data, dict):
        return None if data is None else Finding(1, "", "not a mapping of groups")
    allowed = policy.ansible()
    for name, group in data.items():
        bad = _group(name, group or {}, allowed)
        if bad:
            word, why = bad
            at = text.find(word)
            return Finding(text.count("\n", 0, at) + 1 if at >= 0 else 1, word, why)
    return None
