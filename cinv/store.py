"""What a single-record change works on: settings and networks in full, hosts through the index.

A change to one host is checked against the hosts it can clash with (its neighbours in the
index: shared addresses, MACs, DNS or short names, ancestors, children), not against all 50,000: the
validators of cinv/check/ run on that small inventory before and after the change, and the
change is refused if it adds an error. The result is the same as a full check's, because every
cross-record rule relates records through values the index tracks.
"""
from __future__ import annotations

from cinv import allocate, check
from cinv.errors import CinvError, Problem
from cinv.git import freed, gitstore, refheld
from cinv.records import index, indexbuild, load, lookup
from cinv.records.model import Host, Inventory, Network


class Store:
    def __init__(self, root, base: Inventory, idx: index.Index):
        self.root = root
        self.settings = base.settings
        self.networks = base.networks
        self.zones = base.zones
        self.index = idx
        self._source = load.DirSource(root)
        self.freed = freed.Freed(root, base.settings)
        self.elsewhere = refheld.Held(root, base.settings.avoid_refs, idx)
        self.warnings: list[Problem] = []  # what the last save added, for the command to print
        self._claimed: dict[str, set] = {"v4": set(), "v6": set(), "mac": set()}

    # --- reading ---------------------------------------------------------------------------

    @property
    def names(self):
        """FQDN -> the file recording it (looked up in the index, not read whole)."""
        return self.index.names

    def host_at(self, rel: str) -> Host | None:
        name = load.host_name_of(rel)
        return load.load_host(self._source, rel, name, []) if name else None

    def find_host(self, name: str) -> Host:
        """A host by FQDN, or by short name if that is unique."""
        host = self.host_at(self.index.names[lookup.host_name(self.index.names, name)])
        if host is None:
            raise CinvError(f"host {name!r}: its record cannot be read; see `cinv check`")
        return host

    def find_network(self, name: str) -> Network:
        return lookup.network(self.networks, name)

    def used(self) -> tuple[allocate.Taken, allocate.Taken, allocate.Taken]:
        """IPv4, IPv6 (as integers) and MACs held by hosts that are not retired, and those
        this command has claimed already; the addresses of zones' own A/AAAA records are never
        handed out either."""
        extra: dict[int, set] = {4: set(), 6: set()}
        if self.zones:
            from cinv.records.zones import record_addresses
            for version, value in record_addresses(self.zones.values()):
                extra[version].add(value)
        idx = self.index
        return (allocate.Taken(idx.used_sorted("v4"), extra[4] | self._claimed["v4"]),
                allocate.Taken(idx.used_sorted("v6"), extra[6] | self._claimed["v6"]),
                allocate.Taken(idx.used_sorted("mac"), self._claimed["mac"]))

    def claim(self, family: str, value: int) -> None:
        """Note a value this command hands out, so a second `auto` in it takes the next."""
        self._claimed[family].add(value)

    def taken(self, family: str, network: str | None = None) -> set:
        """What `auto` must not hand out: the used values of a family ("v4", "v6", "mac"),
        and those held on the branches of allocate.avoid_refs (addresses: on the network of
        that name; see cinv/git/refheld.py)."""
        used = self.used()[{"v4": 0, "v6": 1, "mac": 2}[family]]
        elsewhere = self.elsewhere.values(family, network)
        return used | elsewhere if elsewhere else used

    def held(self, family: str) -> dict:
        """Values of a family ("v4", "v6", "mac") freed within the hold time: `auto` skips
        them (see cinv/git/freed.py)."""
        return self.freed.held(family)

    def holder(self, family: str, value: int) -> str:
        """Who holds a value: "web1.prod.example.com (hosts/web1.prod.example.com.yaml)"."""
        rels = self.index.holders(family, value)
        return ", ".join(f"{self.index.facts(rel)[0]} ({rel})" for rel in sorted(rels)) \
            or "another host"

    def hosts_on(self, network: str) -> list[Host]:
        """Every host (retired ones too) with an interface on a network."""
        rels = sorted(rel for rel, facts in self.index.entries.items()
                      if any(i[1] == network for i in facts[3]))
        return [h for rel in rels for h in [self.host_at(rel)] if h is not None]

    def everything(self) -> Inventory:
        """The whole inventory, loaded (from the parse cache where files are unchanged)."""
        return load.load_inventory(self._source, self.root)

    def children(self, name: str) -> list[str]:
        return sorted(self.index.facts(rel)[0] for rel in self.index.children(name))

    # --- writing ---------------------------------------------------------------------------

    def _around(self, hosts: dict[str, Host | None]) -> tuple[dict, dict]:
        """(old versions of the changed hosts, their unchanged neighbours), by path. The
        neighbours include a parent's other guests, so its capacity is summed in full."""
        old = {rel: h for rel in hosts if self.index.facts(rel) is not None
               for h in [self.host_at(rel)] if h is not None}
        near: set[str] = set()
        for host in [*old.values(), *(h for h in hosts.values() if h is not None)]:
            near |= self.index.neighbours(host)
            if host.parent:
                near.update(self.index.children(host.parent))
        others = {rel: h for rel in sorted(near - set(hosts))
                  for h in [self.host_at(rel)] if h is not None}
        return old, others

    def save(self, message: str, commit: bool, hosts: dict[str, Host | None] | None = None,
             networks: dict[str, Network | None] | None = None,
             whole: bool = False) -> str | None:
        """Write changed host records and network records (None removes one) as one commit,
        unless that adds an error to what `cinv check` reports; the warnings it adds are left
        in self.warnings. whole: compare the whole inventory (a network change can touch every
        host on it), not only the changed hosts' neighbours."""
        hosts = hosts or {}
        networks = networks or {}
        if whole:
            base = self.everything()
            old = {h.path: h for h in base.hosts.values() if h.path in hosts}
            before = base
            after = Inventory(settings=self.settings, networks=dict(base.networks),
                              zones=base.zones,
                              problems=[p for p in base.problems if p.path not in hosts])
            after.hosts = {h.name: h for h in base.hosts.values() if h.path not in hosts}
        else:
            old, others = self._around(hosts)
            before = self._inventory(others, old.values(), self.networks)
            after = self._inventory(others, (), dict(self.networks))
        for h in hosts.values():
            if h is not None:
                after.hosts.setdefault(h.name, h)
        for rel, net in networks.items():
            name = rel[len("networks/"):-len(".yaml")]
            if net is None:
                after.networks.pop(name, None)
            else:
                after.networks[net.name] = net
        errors, warnings = check.problem_keys(before)
        self.warnings = check.refuse_added(errors, after,
                                           None if whole else {*hosts, *networks}, warnings)
        committing = commit and self.settings.auto_commit
        if committing:
            gitstore.check_can_commit(self.root)  # a stale lock: refuse before writing anything
        for rel, host in hosts.items():
            if host is None:
                load.remove_record(self.root, rel)
            else:
                load.write_record(self.root, rel, host.to_dict())
        for rel, net in networks.items():
            if net is None:
                load.remove_record(self.root, rel)
            else:
                load.write_record(self.root, rel, net.to_dict())
        indexbuild.update(self.root, self.index, hosts)
        sha = gitstore.commit(self.root, [*hosts, *networks], message) if committing else None
        if sha is None:
            self._remember_freed(old, hosts)
        return sha

    def _inventory(self, others: dict, changed, networks: dict) -> Inventory:
        inv = Inventory(settings=self.settings, networks=networks, zones=self.zones)
        for h in [*others.values(), *changed]:
            inv.hosts.setdefault(h.name, h)
        return inv

    def _remember_freed(self, old: dict, hosts: dict) -> None:
        """Values this change freed, for the hold time (a commit records them in the history;
        without one, the freed cache must)."""
        before: dict = {}
        for h in old.values():
            for value in freed.held_values(h):
                before[value] = h.name
        after = set()
        for h in hosts.values():
            after |= freed.held_values(h)
        gone = {v: name for v, name in before.items() if v not in after}
        if gone:
            self.freed.remember(gone)

    # --- zones' own records -----------------------------------------------------------------

    def near_names(self, names: set[str], below: set[str], addresses: set[tuple[int, int]]
                   ) -> dict[str, Host]:
        """The hosts a zone record can clash with: those holding one of `names`, a name below
        one of `below` (a delegation), or one of `addresses` ((version, int) of a reverse
        name)."""
        idx = self.index
        rels: set[str] = set()
        for name in names:
            rels.update(idx.holders("dns", name))
        if below:
            suffixes = tuple("." + b for b in below)
            rels.update(rel for name, held in idx.maps["dns"].items() if name.endswith(suffixes)
                        for rel in held)
        for version, value in addresses:
            rels.update(idx.holders("v4" if version == 4 else "v6", value))
        return {rel: h for rel in sorted(rels) for h in [self.host_at(rel)] if h is not None}

    def save_zone(self, zone, message: str, commit: bool, near: dict[str, Host]) -> str | None:
        """Write zones/<zone>.yaml as one commit, unless that adds an error to what `cinv check`
        reports (checked against the hosts near the changed records)."""
        def inventory(zones) -> Inventory:
            inv = Inventory(settings=self.settings, networks=self.networks, zones=zones)
            for h in near.values():
                inv.hosts.setdefault(h.name, h)
            return inv

        after_zones = {**self.zones, zone.name: zone}
        check.refuse_added(check.error_keys(inventory(self.zones)), inventory(after_zones),
                           {zone.path})
        committing = commit and self.settings.auto_commit
        if committing:
            gitstore.check_can_commit(self.root)
        load.write_record(self.root, zone.path, zone.to_dict())
        self.zones = after_zones
        if committing:
            return gitstore.commit(self.root, [zone.path], message)
        return None
