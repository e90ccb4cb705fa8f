"""Append translations to a catalog: ``po_fill.py LANG FILE.tsv`` (msgid<TAB>msgstr per line)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(lang: str, tsv: str) -> None:
    po = ROOT / "antena" / "locale" / lang / "LC_MESSAGES" / "messages.po"
    existing = po.read_text(encoding="utf-8") if po.exists() else ""
    out = []
    for line in Path(tsv).read_text(encoding="utf-8").splitlines():
        if not line.strip() or "\t" not in line:
            continue
        msgid, msgstr = line.split("\t", 1)
        if f"msgid {_q(msgid)}\n" in existing:
            continue
        out.append(f"msgid {_q(msgid)}\nmsgstr {_q(msgstr)}\n")
    with po.open("a", encoding="utf-8") as fh:
        fh.write("\n" + "\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
