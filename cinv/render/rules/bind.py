"""BIND: dns/named.conf.zones (included from named.conf) and the zone files.

named reads `include` files, loads code (`plugin`, `dlz`, `dyndb`, a zone's `database`), opens
control channels and log files, and takes keys and options: none belongs in a file a branch
renders. named.conf.zones is tokenized as named's lexer does (`//`, `#` and `/* */` comments,
double-quoted strings) and must hold only `zone "NAME" [CLASS] { ... };` statements whose
options are of ZONE_OPTIONS, with a `file` that is a plain relative path (no `/`-rooted or `..`
path: named-checkconf -z loads it). A zone file holds no directive but $ORIGIN and $TTL
($INCLUDE reads another file, $GENERATE makes records without bound).
"""
from __future__ import annotations

import re

from cinv import paths

ZONE_OPTIONS = frozenset((
    "type", "file", "notify", "also-notify", "allow-transfer", "allow-query",
    "allow-query-on", "primaries", "masters", "check-names", "notify-source",
    "notify-source-v6", "transfer-source", "transfer-source-v6", "max-zone-ttl",
    "zone-statistics", "serial-update-method", "masterfile-format", "notify-delay",
))
ZONE_TYPES = frozenset(("primary", "master", "secondary", "slave", "mirror", "hint", "stub",
                        "forward", "redirect", "static-stub"))
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|/\*.*?\*/|//[^\n]*|#[^\n]*|[{};]|[^\s{};"#]+|"|/\*',
                    re.S)
_DIRECTIVE = re.compile(r"\$(ORIGIN|TTL)\b", re.I)


def _tokens(text: str):
    """(line, token) of named.conf text, without comments."""
    line, pos = 1, 0
    for m in _TOKEN.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        token = m.group()
        if token.startswith(("//", "#")) or (token.startswith("/*") and len(token) > 2):
            continue
        yield line, token


def check_conf(text: str, inv):
    from cinv.render.rules.finding import Finding
    from cinv.render.rules.names import foreign
    depth, expect = 0, "statement"
    option = None
    for line, token in _tokens(text):
        if token in ('"', "/*"):
            return Finding(line, token, "a string or comment that does not end")
        if token == "{":
            depth += 1
            expect = "statement" if depth == 1 else "any"
            continue
        if token == "}":
            depth -= 1
            if depth < 0:
                return Finding(line, "}", "a '}' without its '{'")
            expect = "any" if depth > 1 else "statement" if depth == 1 else "end"
            continue
        if token == ";":
            expect = "statement" if depth <= 1 else "any"
            option = None
            continue
        word = token.strip('"')
        if token == "include" or (depth == 0 and expect == "statement" and token != "zone"):
            return Finding(line, token, f"named statement {token!r}: a rendered "
                           "named.conf.zones holds zone statements only (include, options, "
                           "key, controls, logging, plugin, dlz, dyndb are not)")
        if depth == 0:
            if expect == "end":
                return Finding(line, token, f"{token!r} after a zone's '}}' (a ';' ends it)")
            if expect == "name":  # the zone's name: one the inventory may serve
                outside = foreign([word], inv) or ("" if "." in word else word)
                if outside:
                    return Finding(line, token, f"zone {outside} lies under no domain the "
                                   "inventory manages")
                expect = "zone-rest"  # its class, then its block
            elif expect == "statement":
                expect = "name"  # after `zone`
            continue
        if depth == 1 and expect == "statement":
            if token not in ZONE_OPTIONS:
                return Finding(line, token, f"zone option {token!r} is not one a rendered file "
                               "may hold (database, dlz, journal, key-directory, update-policy, "
                               "dnssec settings are not)")
            option, expect = token, "value"
            continue
        if depth == 1 and option == "file":
            try:
                paths.clean_relative(word, "zone file")
            except paths.UnsafePath as e:
                return Finding(line, token, f"zone file {word!r} {e.why}; it must be a plain "
                               "relative path")
        if depth == 1 and option == "type" and word not in ZONE_TYPES:
            return Finding(line, token, f"zone type {word!r} is not one named knows")
    if depth != 0:
        return Finding(1, "", "a '{' without its '}'")
    return None


def check_zone(text: str, _inv):
    from cinv.render.rules.finding import Finding
    for number, line in enumerate(text.split("\n"), 1):
        body = line.lstrip()
        if body.startswith("$") and not (line.startswith("$") and _DIRECTIVE.match(body)):
            word = body.split(None, 1)[0] if body.split() else "$"
            return Finding(number, word, f"zone file directive {word}: a rendered zone holds "
                           "$ORIGIN and $TTL only ($INCLUDE reads another file, $GENERATE "
                           "makes records without bound)")
    return None
