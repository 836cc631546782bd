"""What the inventory says the servers should hold, as `cinv render` has it, built in memory:
the zones (records and serials), the Kea configurations, the domain XML of the guests, and the
names of the retired hosts.

For the work tree this comes from the parts a render keeps per host file (output/incremental.py,
render/fast.py): after any render, or any plan, only new or changed host files are made again,
so a plan of 50,000 hosts reads kept parts instead of building every host anew; the hosts are
not even loaded for DNS and Kea. For a --ref, or a work tree whose parts cannot be kept, from a
View of the whole inventory (render/view.py). Both give what the files `cinv render` writes hold
(tests compare the two paths' files byte for byte).
"""
from __future__ import annotations

from dataclasses import replace
from functools import cached_property

from cinv import check
from cinv.errors import ProblemsError
from cinv.git import gitstore
from cinv.records import load
from cinv.workspace import Workspace


class Context:
    """What the inventory says, computed once per run and only for the targets asked."""

    def __init__(self, ws: Workspace):
        self.ws = ws

    @cached_property
    def commit(self) -> str | None:
        """The commit deployed (recorded on DNS servers): the ref's, else HEAD's."""
        return self.ws.commit or gitstore.head(self.ws.root)

    @cached_property
    def base(self):
        """Settings, networks and zones/ (no hosts); refused while `cinv check` finds errors."""
        problems, _hosts, _nets = self.ws.checked()
        errors = check.errors(problems)
        if errors:
            raise ProblemsError(errors)
        return load.load_networks(self.ws.source(), cache_root=self.ws.cache_root())

    def inventory(self):
        """The whole inventory (libvirt, the --ref path)."""
        return self._inventory

    @cached_property
    def _inventory(self):
        self.base  # noqa: B018 - refused first while check finds errors
        return self.ws.load()

    @cached_property
    def _parts(self):
        """(fast.Assembly over the kept parts, {path: meta}, the work tree's stat keys), or
        None (use a View)."""
        if self.ws.commit:
            return None
        from cinv.output import incremental
        from cinv.records import cache
        from cinv.render import fast
        from cinv.render.env import make_env
        keys = cache.scan(self.ws.root)
        if keys is None:
            return None
        self.base  # noqa: B018
        try:
            ctx, digest, metas, columns = incremental.kept_parts(self.ws.root, keys)
        except incremental.NeedsTemplates:
            return None
        asm = fast.Assembly(ctx, metas, columns.get, make_env(None), self._serials,
                            ctx_digest=digest)
        return asm, metas, keys

    @cached_property
    def _view(self):
        from cinv.render.view import View
        return View(self.inventory(), self._serials)

    @cached_property
    def _serials(self):
        from cinv import output
        from cinv.render.env import make_env
        dirty = None if self.ws.commit else output.dirty_paths(self.ws)
        return output.zone_serials(self.ws, make_env(None), {"files": {}, "zones": {}}, {},
                                   None, dirty)

    def zone_names(self) -> list[str]:
        """Every zone `cinv render dns` writes (no record needed)."""
        from cinv.records import zonemap
        return sorted(zonemap.served_zones(self.base))

    def zone_dicts(self) -> dict:
        """{zone: its dict as render/dns.py makes it (records, content digest, serial)}."""
        return self._zone_dicts

    @cached_property
    def _zone_dicts(self) -> dict:
        zones = self._parts[0].zones() if self._parts else self._view.zones
        return {z["name"]: z for z in zones}

    def zone(self, name: str):
        """A zone as dns.Desired (made when a zone is compared)."""
        from cinv.deploy import dns as dns_target
        made = self.__dict__.setdefault("_desired", {})
        if name not in made:
            made[name] = dns_target.desired(self._zone_dicts[name])
        return made[name]

    def zones(self) -> dict:
        """{zone: dns.Desired} of every zone `cinv render dns` writes, with its serial."""
        return {name: self.zone(name) for name in self._zone_dicts}

    @cached_property
    def memo(self):
        """What the last plan found in sync (memo.py); only with the kept parts, whose keys
        say what the inventory's side is made of."""
        from cinv.deploy.memo import Memo
        return Memo(self.ws.cache_root() if self._parts else None)

    def retired_key(self) -> str:
        """What the retired hosts' names are made of (their files' stat): part of a zone's
        in-sync key."""
        import hashlib
        if not self._parts:
            return ""
        keys = self._parts[2]
        retired = sorted((rel, keys.get(rel)) for rel, m in self._parts[1].items()
                         if m[2] == "retired")
        return hashlib.blake2b(repr(retired).encode(), digest_size=16).hexdigest()

    def kea(self, family: int) -> tuple[dict, dict]:
        """(cinv's Kea configuration of this family, {subnet prefix: network name})."""
        import json

        from cinv.deploy.kea import normal
        from cinv.render import dhcpview
        key = "ipv4" if family == 4 else "ipv6"
        networks = {normal("subnet", str(getattr(n, key))): n.name
                    for n in self.base.networks.values() if getattr(n, key) is not None}
        if self._parts:
            return json.loads(self._kea_files[f"kea-dhcp{family}.conf"]), networks
        return dhcpview.kea(self._view, family), networks

    def kea_key(self, family: int) -> str:
        """What cinv's Kea configuration of this family is made of (its text), for the memo."""
        import hashlib
        if not self._parts:
            return ""
        return hashlib.sha256(self._kea_files[f"kea-dhcp{family}.conf"].encode()).hexdigest()

    @cached_property
    def _kea_files(self) -> dict:
        return dict(self._parts[0].files("kea"))

    def domains(self, hosts: list) -> dict[str, str]:
        """{host name: the domain XML `cinv render libvirt` writes for it}."""
        from cinv.render import fast
        ctx = self._parts[0].ctx if self._parts else fast.Context(self.inventory())
        return {h.name: fast.fragment(ctx, h)[1]["libvirt"][2] for h in hosts}

    def retired_owners(self) -> dict[str, set[str]]:
        """{zone: names} the retired hosts would have if they were live: theirs still (a
        retired record keeps its name for history), so apply deletes their records."""
        return self._retired

    @cached_property
    def _retired(self) -> dict[str, set[str]]:
        from cinv.deploy import held
        from cinv.records.model import Inventory, Zone
        if self._parts:
            source = load.DirSource(self.ws.root)
            retired = {}
            for rel, meta in self._parts[1].items():
                if meta[2] == "retired":
                    host = load.load_host(source, rel, meta[0], [])
                    if host is not None:
                        retired[host.name] = replace(host, state="active")
        else:
            retired = {n: replace(h, state="active") for n, h in self.inventory().hosts.items()
                       if h.retired}
        if not retired:
            return {}
        base = self.base
        empty = {n: Zone(n, z.ttl) for n, z in base.zones.items()}
        return held.owners(Inventory(base.settings, base.networks, retired, zones=empty))

    def held_at(self, sha: str) -> dict | None:
        """{zone: names} the inventory held at an earlier commit (see held.py)."""
        from cinv.deploy import held
        cache = self.__dict__.setdefault("_held", {})
        if sha not in cache:
            cache[sha] = held.held_at(self.ws.root, sha, self.ws.commit)
        return cache[sha]
