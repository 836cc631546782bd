"""Networks: add."""
from __future__ import annotations

from cinv import names, schema, yamlio
from cinv.errors import CinvError, ProblemsError
from cinv.model import Network
from cinv.workspace import Workspace


def add_network(ws: Workspace, name: str, fields: dict, commit: bool = True) -> Network:
    with ws.changing("net add") as store:
        try:
            names.check_network_name(name)
        except ValueError as e:
            raise CinvError(f"network name: {e}") from None
        if name in store.networks:
            raise CinvError(f"network {name} exists already ({store.networks[name].path})")
        data = {k: v for k, v in fields.items() if v not in (None, [], ())}
        rel = f"networks/{name}.yaml"
        problems: list = []
        net = schema.parse_network(name, yamlio.load(yamlio.dump(data)), rel, problems)
        if problems or net is None:
            raise ProblemsError(problems)
        prefixes = ", ".join(str(p) for p in (net.ipv4, net.ipv6) if p is not None)
        store.save(f"Add network {name} ({prefixes})", commit, networks={rel: net})
        return net
