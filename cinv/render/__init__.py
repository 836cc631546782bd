"""What each output file says, made from a loaded inventory: the views of it that templates read
(view, dhcpview, libvirtview, report), the sandboxed template environment (env), the targets
(targets), the zones (dns), the parts assembled into whole files (hostparts, fast, parts), the
splice of a change into the files (splice, splicedns, splicereport, segments, outstate), the
writing of an output dir (writer), the zone serials (serial), and the rules a rendered file must
pass whatever template made it (rules/, and verify: what render would refuse, for check).

A render run (the caches it reuses, the check beside it, `cinv render` itself) is cinv/output/.
"""
