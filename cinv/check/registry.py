"""The one list of validators: each rule module registers its functions with @validator."""
from __future__ import annotations

VALIDATORS = []


def validator(fn):
    VALIDATORS.append(fn)
    return fn
