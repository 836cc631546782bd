"""YAML in and out: libyaml's C parser with line marks kept, and a stable dumper.

Every mapping loaded is an LMap (a dict that knows the line of itself and of each key) and every
sequence an LList (knows each item's line), so messages can say path:line.
"""
from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

try:
    from yaml import CSafeDumper as _BaseDumper
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _BaseDumper
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

class LMap(dict):
    """A mapping with .line (1-based) and .key_lines {key: line}."""

    __slots__ = ("line", "key_lines")

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class LList(list):
    """A sequence with .line and .item_lines [line, ...]."""

    __slots__ = ("line", "item_lines")

    def line_of(self, index: int) -> int:
        try:
            return self.item_lines[index]
        except (IndexError, AttributeError):
            return getattr(self, "line", 0)


class YamlError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


class _NodeLoader(_Parser, BaseResolver):
    """libyaml composes the node tree in C; BaseResolver leaves every plain scalar untyped, so
    `_build` alone decides what a scalar means (YAML 1.2 core schema, below)."""

    def __init__(self, stream):
        _Parser.__init__(self, stream)
        BaseResolver.__init__(self)

    # Called by the parser for every node; untagged nodes get the default tags, nothing more.
    def resolve(self, kind, value, implicit):
        return _DEFAULT_TAG[kind]

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass


_STR = "tag:yaml.org,2002:str"
_DEFAULT_TAGS = (_STR, "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_DEFAULT_TAG = {ScalarNode: _STR, MappingNode: _DEFAULT_TAGS[1], SequenceNode: _DEFAULT_TAGS[2]}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)\Z|0x[0-9a-fA-F_]+\Z|0o[0-7_]+\Z")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?\Z")
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))


def _plain(value: str):
    """A plain (unquoted) scalar under YAML 1.2's core schema: base-60 numbers and yes/no/on/off
    of YAML 1.1 stay strings, so 52:54:00 is a MAC prefix and `on` a word."""
    if value in _NULLS:
        return None
    first = value[0]
    if first in "0123456789-+.":
        if _INT.match(value):
            value = value.replace("_", "")
            if value.startswith("0x"):
                return int(value[2:], 16)
            if value.startswith("0o"):
                return int(value[2:], 8)
            return int(value)
        if _FLOAT.match(value):
            return float(value.replace("_", ""))
    elif value in _TRUE:
        return True
    elif value in _FALSE:
        return False
    return value


def _build(node, seen):
    """Plain Python values (LMap, LList, scalars) from a node tree, with line marks."""
    if seen is not None:
        if id(node) in seen:
            raise YamlError(node.start_mark.line + 1,
                            "YAML aliases (*name) are not allowed in inventory files")
        seen.add(id(node))
    kind = type(node)
    if node.tag not in _DEFAULT_TAGS:
        raise YamlError(node.start_mark.line + 1, f"YAML tags ({node.tag}) are not allowed "
                        "in inventory files")
    if kind is ScalarNode:
        if node.style:
            return node.value
        try:
            return _plain(node.value)
        except ValueError:  # Python's limit on the digits of a number it will convert
            raise YamlError(node.start_mark.line + 1, f"the number {node.value[:20]}... has "
                            "too many digits (quote it if it is text)") from None
    if kind is MappingNode:
        result = LMap()
        result.line = node.start_mark.line + 1
        lines = result.key_lines = {}
        for key_node, value_node in node.value:
            key = _build(key_node, seen)
            line = key_node.start_mark.line + 1
            if isinstance(key, (LMap, LList)):
                raise YamlError(line, "a mapping key must be a plain value")
            if key in lines:
                raise YamlError(line, f"key {key!r} appears twice")
            lines[key] = line
            result[key] = _build(value_node, seen)
        return result
    result = LList(_build(child, seen) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def load(text):
    """Parse one YAML document (str or UTF-8 bytes); raise YamlError(line, message) on anything
    malformed, on aliases and on tags."""
    if ("\0" if isinstance(text, str) else b"\0") in text:
        raise YamlError(1, "the file holds NUL bytes (binary, not YAML)")
    loader = _NodeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        # An alias is the very node it names, met twice; with no '*' there can be none.
        star = "*" if isinstance(text, str) else b"*"
        return _build(node, set() if star in text else None)
    except YamlError:
        raise
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(line, f"malformed YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise YamlError(1, f"malformed YAML: {e}") from None
    except RecursionError:
        raise YamlError(1, "malformed YAML: nested too deeply") from None
    finally:
        loader.dispose()


class Quoted(str):
    """A string always written in quotes (MACs: YAML 1.1 readers take 52:54:00:10:00:01 for a
    base-60 number, and quoting every one keeps the files uniform)."""


class Dumper(_BaseDumper):
    """Block style, keys in the order given, strings quoted only when needed."""


def _represent_dict(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items())


def _represent_str(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


Dumper.add_representer(dict, _represent_dict)
Dumper.add_representer(LMap, _represent_dict)
Dumper.add_representer(LList, Dumper.represent_list)
Dumper.add_representer(str, _represent_str)
Dumper.add_representer(Quoted, lambda dumper, data: dumper.represent_scalar(
    "tag:yaml.org,2002:str", str(data), style="'"))


def dump(data) -> str:
    return yaml.dump(data, Dumper=Dumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=100)


# --- a fast block emitter for big, simple documents (zones/<zone>.yaml) ---------------------

_PLAIN_FIRST_BAD = set("-?:,[]{}#&*!|>'\"%@` \t")


def _scalar(value) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if (text and text[0] not in _PLAIN_FIRST_BAD and text[-1] not in " \t:"
            and ": " not in text and " #" not in text and text.isprintable()
            and "\u2028" not in text and "\u2029" not in text
            and isinstance(_plain(text), str)):
        return text
    return '"' + "".join(_ESCAPES.get(c) or (c if c.isprintable() and c not in "\u2028\u2029"
                                             else _escape(c)) for c in text) + '"'


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n"}


def _escape(c: str) -> str:
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def dump_block(data, lines: dict | None = None) -> str:
    """Block-style YAML for mappings, lists and scalars, as `load` reads it back; strings are
    plain where that reads back as the same string, else double-quoted (JSON escapes, which
    YAML shares). Written by hand: PyYAML's representer costs seconds on a zone of 50,000
    records. lines, if given, receives path -> line of every mapping that is a list item
    (path: the keys and indexes leading to it)."""
    out: list[str] = []

    def leaf(value) -> str:
        return "{}" if value == {} else "[]" if value == [] else _scalar(value)

    def emit(value, indent: str, path: tuple) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                head = f"{indent}{_scalar(key)}:"
                if isinstance(item, (dict, list)) and item:
                    out.append(head)
                    emit(item, indent + ("  " if isinstance(item, dict) else ""),
                         path + (key,))
                else:
                    out.append(f"{head} {leaf(item)}")
        else:
            for index, item in enumerate(value):
                if lines is not None and isinstance(item, dict):
                    lines[path + (index,)] = len(out) + 1
                if isinstance(item, dict) and item:
                    first = True
                    for key, sub in item.items():
                        lead = f"{indent}- " if first else f"{indent}  "
                        first = False
                        if isinstance(sub, (dict, list)) and sub:
                            out.append(f"{lead}{_scalar(key)}:")
                            emit(sub, indent + ("    " if isinstance(sub, dict) else "  "),
                                 path + (index, key))
                        else:
                            out.append(f"{lead}{_scalar(key)}: {leaf(sub)}")
                elif isinstance(item, list) and item:
                    raise TypeError("dump_block writes no list inside a list")
                else:
                    out.append(f"{indent}- {leaf(item)}")

    if isinstance(data, (dict, list)) and data:
        emit(data, "", ())
    else:
        out.append(leaf(data))
    return "\n".join(out) + "\n"
