"""The records: the inventory's model (model), its schema and value syntax (schema,
values, dhcpopts, libvirtdom, zones, zonemap), reading and writing its files (load, layout,
yamlio), the lock on it (lock), and what cinv keeps to read it fast (cache, index, indexbuild,
lookup). Nothing here knows about git, checks or rendering.
"""
