"""YAML in and out: libyaml's C parser with line marks kept, and a stable dumper.

Every mapping loaded is an LMap (a dict that knows the line of itself and of each key) and every
sequence an LList (knows each item's line), so messages can say path:line.
"""
from __future__ import annotations

import re

import yaml

try:
    _BaseLoader = yaml.CSafeLoader
    _BaseDumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader
    _BaseDumper = yaml.SafeDumper

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


class Loader(_BaseLoader):
    """Safe loader: YAML 1.2-like scalars (no base-60 numbers, so MACs and times stay strings),
    line marks on every mapping and sequence, and a cap on aliases (no alias bombs)."""

    def construct_object(self, node, deep=False):
        # libyaml hands an alias back as the very node it names: a node seen twice is an alias.
        # Aliases can expand exponentially ("billion laughs") and records never need them.
        if node in self.constructed_objects:
            raise YamlError(node.start_mark.line + 1,
                            "YAML aliases (*name) are not allowed in inventory files")
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(None, None, "expected a mapping",
                                                    node.start_mark)
        result = LMap()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise YamlError(key_node.start_mark.line + 1, "a mapping key must be a plain "
                                "value") from None
            if key in result.key_lines:
                raise YamlError(key_node.start_mark.line + 1, f"key {key!r} appears twice")
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_yaml_map(self, node):
        yield self.construct_mapping(node, deep=True)

    def construct_yaml_seq(self, node):
        result = LList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield result


Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_yaml_map)
Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_yaml_seq)
# Copy the resolvers, then drop YAML 1.1's base-60 integers and floats ("52:54:00" is a MAC
# prefix, not 187200) and the yes/no/on/off booleans (only true/false are booleans).
Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                           "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|0o[0-7_]+)$"),
    list("-+0123456789"))
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
               r"|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _bool(self, node):
    return self.construct_scalar(node) in ("true", "True", "TRUE")


def _int(self, node):
    value = self.construct_scalar(node).replace("_", "")
    if value.startswith("0o"):
        return int(value[2:], 8)
    return int(value, 0) if value.startswith("0x") else int(value)


Loader.add_constructor("tag:yaml.org,2002:bool", _bool)
Loader.add_constructor("tag:yaml.org,2002:int", _int)


def load(text: str):
    """Parse one YAML document; raise YamlError(line, message) on anything malformed."""
    if "\0" in text:
        raise YamlError(1, "the file holds NUL bytes (binary, not YAML)")
    try:
        return yaml.load(text, Loader=Loader)
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
