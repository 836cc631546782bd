"""A splice's zones (see splice.py): the lines of the changed hosts' records edited in the
zones they are in (each zone's lines say their own keys: found by bisecting the bytes), every
zone's serial asked anew, and a zone's head written again where its serial moved."""
from __future__ import annotations

from cinv.render import dns, segments
from cinv.render.segments import Mismatch


def zones(edit, serials) -> dict:
    """Edit, for a splice.Splice (which calls this with itself), the zones the changed hosts'
    records are in; every zone's serial (serials: the callable of a view, see
    output.zone_serials) and head. Returns {zone: serial}."""
    lay = edit.files["dns"]
    model = edit.ctx.model
    targets = {ns.rstrip(".") for ns in model.settings.dns.nameservers}
    records: dict[str, tuple[set, set]] = {}  # zone -> (records out, records in)
    warnings = dict(lay["warnings"])
    for hosts, side in ((edit.olds, 0), (edit.news, 1)):
        for part in hosts.values():
            recs, said, addressed = part["dns"][:3]
            if any(name in targets for name, _a in addressed):
                raise Mismatch("a nameserver's address (glue) changed")
            name = part["meta"][0]
            if side:
                if said:
                    warnings[name] = said
            else:
                warnings.pop(name, None)
            for zone, owner, rtype, data in recs:
                records.setdefault(zone, (set(), set()))[side].add((owner, rtype, data))
    edit.warnings = [w for name in sorted(warnings) for w in warnings[name]]
    zs = dns.ZoneSet(edit.view.settings["dns"], {z.name: z.ttl for z in model.zones.values()
                                                if z.ttl is not None}, None, model.zones)
    for name, kind in dns.zonemap.served_zones(model).items():
        zs.add_zone(name, kind)
    zones = dict(lay["zones"])  # zone -> (head length, digest, serial)
    bodies: dict[str, bytes] = {}
    for zone, (out, into) in sorted(records.items()):
        if zone not in zones:
            raise Mismatch(f"zone {zone} is not there")
        fixed = lay["fixed"].get(zone, {})
        ttls = dns.rrset_ttls(fixed)

        def line(rec) -> bytes:
            return dns.zone_line(*rec, ttls.get(rec[:2])).encode()
        remove = {dns._record_key(r): line(r) for r in out - into if r not in fixed}
        add = {dns._record_key(r): line(r) for r in into - out if r not in fixed}
        if not remove and not add:
            continue
        rel = f"dns/{dns.zone_file(zone)}"
        old = edit.old(rel)
        length = zones[zone][0]
        try:
            reps = segments.edit_lines(old, length, len(old), remove, add, dns.line_key)
        except ValueError as e:
            raise Mismatch(f"{rel}: {e}") from None
        bodies[zone] = segments.apply(old, reps)[length:]
        zones[zone] = (length, zs.digest(zone, bodies[zone]), zones[zone][2])
    # each zone's head as the full render hands it (its digest, serial scheme and floor)
    serial_of = serials([zs.head(z, zones[z][1], []) for z in zs.order()])
    template = edit.env.get_template("zone.j2")
    for zone in zs.order():
        length, digest, was = zones[zone]
        now = serial_of.get(zone, 1)
        if zone not in bodies and now == was:
            continue
        rel = f"dns/{dns.zone_file(zone)}"
        body = bodies.get(zone)
        if body is None:
            body = edit.old(rel)[length:]
        head = template.render({"inv": edit.view, "zone": {**zs.head(zone, digest, []),
                                                           "serial": now}}).encode()
        zones[zone] = (len(head), digest, now)
        edit.put(rel, "dns", head + body)
    edit.new_files["dns"] = {**lay, "zones": zones, "warnings": warnings}
    return serial_of
