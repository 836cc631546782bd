"""The one list of validators: each rule module registers its functions with @validator."""
from __future__ import annotations

VALIDATORS = []
# Validators that look at each host alone (beside the settings, networks and zones): their
# result on the inventory is the union of their results on any parts of its hosts. A cold
# check runs them in the processes that parse the host files (cinv/records/load.py).
PER_HOST = set()


def validator(fn):
    VALIDATORS.append(fn)
    return fn


def per_host(fn):
    """Mark a validator (below @validator) as one of PER_HOST."""
    PER_HOST.add(fn)
    return fn
