"""The deploy plan as a value: per server (and per zone on a DNS server), the changes that would
carry the inventory there, what apply needs to make them, and the safety verdict.

A Step is what one apply does in one piece: one UPDATE for a zone, one config-set for a Kea
server, the defines and undefines of one hypervisor. The plan prints as text (for a reviewer:
`+` add, `-` delete, `~` change) and as JSON (a stable shape for scripts). Nothing here does
I/O.

Safety limits as octoDNS has them (MAX_SAFE_UPDATE_PCENT, MAX_SAFE_DELETE_PCENT, and only for
a zone or server holding at least MIN_EXISTING): a step that would change, or delete, more than
30 % of what the server holds (a zone's RRsets, a Kea server's reservations) needs --force.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

MAX_CHANGED = 0.3
MAX_DELETED = 0.3
MIN_EXISTING = 10
SIGNS = {"add": "+", "delete": "-", "change": "~"}


@dataclass(frozen=True)
class Change:
    action: str  # add | delete | change
    kind: str  # record | soa | subnet | reservation | class | domain
    subject: str
    old: str | None = None
    new: str | None = None
    note: str = ""
    counted: bool = True  # counts against the safety limit (a zone's RRsets, reservations)

    def as_dict(self) -> dict:
        return {"action": self.action, "kind": self.kind, "subject": self.subject,
                "old": self.old, "new": self.new, "note": self.note}

    def text(self) -> str:
        sign = SIGNS[self.action]
        if self.action == "change":
            body = f"{self.subject}: {self.old} -> {self.new}"
        else:
            body = f"{self.subject} {self.new if self.action == 'add' else self.old}".rstrip()
        return f"  {sign} {body}" + (f" ({self.note})" if self.note else "")


@dataclass
class Step:
    target: str  # dns | kea | libvirt
    server: str  # the server's label (dns 192.0.2.53 port 53, kea /run/kea/..., libvirt URI)
    unit: str = ""  # the zone on a DNS server; "" for one piece per server
    changes: list[Change] = field(default_factory=list)
    existing: int = 0  # what the server holds that the limits count (RRsets, reservations)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # the server could not be planned (no answer, bad answer ...)
    blocked: list[str] = field(default_factory=list)  # changes apply will not make, and why
    work: object = None  # what apply needs (per target; never printed)

    @property
    def title(self) -> str:
        return f"{self.server}, zone {self.unit}" if self.unit else self.server

    def counts(self) -> dict[str, int]:
        out = {"add": 0, "change": 0, "delete": 0}
        for c in self.changes:
            out[c.action] += 1
        return out

    def unsafe(self) -> str | None:
        """Why this step needs --force, or None."""
        if self.existing < MIN_EXISTING:
            return None
        counted = [c for c in self.changes if c.counted]
        changed = sum(1 for c in counted if c.action == "change")
        deleted = sum(1 for c in counted if c.action == "delete")
        what = "records (RRsets)" if self.target == "dns" else "reservations"
        for n, limit, verb in ((changed, MAX_CHANGED, "change"), (deleted, MAX_DELETED,
                                                                  "delete")):
            if n / self.existing > limit:
                return (f"would {verb} {n} of the {self.existing} {what} it holds "
                        f"({100 * n / self.existing:.0f} % > {100 * limit:.0f} %): apply needs "
                        "--force")
        return None

    def as_dict(self) -> dict:
        return {"target": self.target, "server": self.server, "zone": self.unit or None,
                "changes": [c.as_dict() for c in self.changes], "existing": self.existing,
                "unsafe": self.unsafe(), "blocked": list(self.blocked),
                "notes": list(self.notes), "error": self.error}

    def text(self) -> list[str]:
        if self.error:
            return [f"{self.title}: ERROR: {self.error}"]
        if not self.changes and not self.blocked:
            return []
        out = [f"{self.title}:"]
        out += [c.text() for c in self.changes]
        out += [f"  ! not done: {b}" for b in self.blocked]
        unsafe = self.unsafe()
        if unsafe:
            out.append(f"  ! {unsafe}")
        return out


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    context: object = field(default=None, repr=False)  # what the plan was made from (apply)

    @property
    def pending(self) -> list[Step]:
        return [s for s in self.steps if not s.error and s.changes]

    @property
    def errors(self) -> list[Step]:
        return [s for s in self.steps if s.error]

    @property
    def blocked(self) -> list[str]:
        """What apply will not do (a running retired guest, a domain of another uuid)."""
        return [f"{s.title}: {b}" for s in self.steps for b in s.blocked]

    @property
    def failed(self) -> bool:
        """The plan cannot bring every server to the inventory: exit 1."""
        return bool(self.errors or self.blocked)

    def totals(self) -> dict[str, int]:
        out = {"add": 0, "change": 0, "delete": 0}
        for step in self.steps:
            for key, n in step.counts().items():
                out[key] += n
        return out

    def summary(self) -> str:
        t = self.totals()
        servers = len({s.server for s in self.steps})
        busy = len({s.server for s in self.pending})
        if not self.pending:
            text = f"Plan: nothing to change on {servers} server{'s' if servers != 1 else ''}"
        else:
            text = (f"Plan: {t['add']} to add, {t['change']} to change, {t['delete']} to delete "
                    f"on {busy} of {servers} server{'s' if servers != 1 else ''}")
        if self.errors:
            text += f"; {len(self.errors)} could not be planned"
        if self.blocked:
            text += f"; {len(self.blocked)} change{'s' if len(self.blocked) != 1 else ''} " \
                    "apply will not make"
        return text

    def text(self) -> str:
        lines: list[str] = []
        for step in self.steps:
            lines += step.text()
        notes = [*self.notes, *(f"{s.title}: {n}" for s in self.steps for n in s.notes)]
        lines += [f"note: {n}" for n in notes]
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def as_json(self) -> str:
        return json.dumps({"steps": [s.as_dict() for s in self.steps], "totals": self.totals(),
                           "notes": self.notes, "pending": bool(self.pending),
                           "errors": len(self.errors), "blocked": self.blocked},
                          indent=2) + "\n"


@dataclass
class Outcome:
    """What apply did with one step."""

    step: Step
    ok: bool
    text: str

    def line(self) -> str:
        return f"{self.step.title}: {'applied' if self.ok else 'FAILED'}: {self.text}"
