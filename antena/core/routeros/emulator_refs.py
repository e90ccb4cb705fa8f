"""References between emulated menus, as RouterOS keeps them: a PPP secret's ``profile`` must name
an existing ``/ppp/profile`` (RouterOS refuses it otherwise), and renaming the profile renames it
in every secret that uses it (RouterOS stores the reference, not the text)."""

from __future__ import annotations

from collections.abc import Mapping

from antena.core.routeros.emulator_tables import RouterOSTrap, Table

#: (menu, property) → the menu whose ``name`` the property must be.
REFERENCES: dict[tuple[str, str], str] = {
    ("/ppp/secret", "profile"): "/ppp/profile",
    ("/ip/hotspot/user", "profile"): "/ip/hotspot/user/profile",
    ("/queue/tree", "queue"): "/queue/type",
}


def check(tables: Mapping[str, Table], path: str, attrs: Mapping[str, str]) -> None:
    """Refuse an ``add``/``set`` whose reference names nothing, with RouterOS's own words."""
    for (menu, prop), target in REFERENCES.items():
        if menu != path or prop not in attrs or target not in tables:
            continue
        names = {row.get("name") for row in tables[target].rows()}
        if attrs[prop] not in names:
            raise RouterOSTrap(f"input does not match any value of {prop}")


def names_before(tables: Mapping[str, Table], path: str, attrs: Mapping[str, str]) -> dict[str, str]:
    """Row id → current name of the rows a ``set`` with a new ``name`` is about to rename."""
    if "name" not in attrs or not any(target == path for target in REFERENCES.values()):
        return {}
    table = tables[path]
    try:
        ids = table.target_ids(attrs)
    except RouterOSTrap:
        return {}
    return {rid: (table.get(rid) or {}).get("name", "") for rid in ids}


def follow_renames(tables: Mapping[str, Table], path: str, before: Mapping[str, str]) -> None:
    """After the rename: rows that referenced an old name now reference the new one."""
    for rid, old in before.items():
        new = (tables[path].get(rid) or {}).get("name", old)
        if new == old:
            continue
        for (menu, prop), target in REFERENCES.items():
            if target != path or menu not in tables:
                continue
            for row in tables[menu].rows():
                if row.get(prop) == old:
                    row[prop] = new
