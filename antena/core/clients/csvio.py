"""The client CSV format shared by import and export: columns, their aliases, reading a file.

English column names in the contract's order; Spanish aliases match case-, accent- and
whitespace-insensitively ("Teléfono", " NOMBRE "). Files are UTF-8 (a BOM is fine) and may use
``;`` as Excel does in Spanish locales. Line numbers are physical lines, the header being line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from antena.core import validate
from antena.core.csvsafe import SafeDictWriter, restore
from antena.core.errors import InvalidInput
from antena.core.i18n import _
from antena.core.text import fold

COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "phone",
    "email",
    "address",
    "zone",
    "router",
    "plan",
    "ip",
    "service_user",
    "service_password",
    "local_address",
    "mac",
    "status",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("name", "zone", "router", "plan")

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id servicio", "id cliente", "id del servicio"),
    "name": ("nombre", "nombre completo", "cliente"),
    "phone": ("telefono", "celular", "movil"),
    "email": ("e-mail", "correo", "correo electronico"),
    "address": ("direccion", "domicilio"),
    "zone": ("zona",),
    "router": ("router", "rb"),
    "plan": ("plan internet", "plan de internet"),
    "ip": ("ip", "direccion ip", "ip address"),
    "service_user": ("usuario", "user", "usuario pppoe", "usuario hotspot"),
    "service_password": ("password pppoe/hotspot", "password", "contrasena"),
    "local_address": ("local address pppoe", "local address"),
    "mac": ("mac address", "direccion mac"),
    "status": ("estado",),
}


def header_key(name: str) -> str:
    """How a header cell is compared: folded, ``_`` as a space, spaces collapsed."""
    return " ".join(fold(name).replace("_", " ").split())


_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column, *ALIASES.get(_column, ())):
        _LOOKUP[header_key(_alias)] = _column


@dataclass(frozen=True)
class CsvRow:
    """One data row: its first physical line and its cells keyed by our column names."""

    line: int
    values: dict[str, str]


@dataclass
class CsvTable:
    """A parsed file: the columns found (ours), the header cells we ignored, and the rows."""

    columns: list[str]
    ignored: list[str]
    rows: list[CsvRow] = field(default_factory=list)


def decode(data: bytes | str) -> str:
    """UTF-8 text without its BOM; anything else is refused with the line it fails on."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            _('The file is not UTF-8 text (line {line}): save it as "CSV UTF-8"').format(line=line)
        ) from exc


def sniff_delimiter(first_line: str) -> str:
    """``;`` when the header has more of them than commas (Excel in Spanish), else ``,``."""
    counts = {d: 0 for d in ",;\t"}
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def map_header(cells: list[str]) -> tuple[list[str | None], list[str]]:
    """Our column name for each header cell (``None`` when ignored) and the ignored cells."""
    mapped: list[str | None] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for cell in cells:
        column = _LOOKUP.get(header_key(cell))
        if column is None:
            if cell.strip():
                ignored.append(cell.strip())
            mapped.append(None)
            continue
        if column in seen:
            raise InvalidInput(
                _("Columns {first} and {second} both mean {column}").format(
                    first=seen[column], second=cell.strip(), column=column
                )
            )
        seen[column] = cell.strip()
        mapped.append(column)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise InvalidInput(
            _("The CSV file lacks the required column(s): {columns}").format(columns=", ".join(missing))
        )
    return mapped, ignored


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the physical line it starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInput(
            _("The CSV file is malformed at line {line}: {reason}").format(line=reader.line_num, reason=exc)
        ) from exc


def read_table(data: bytes | str) -> CsvTable:
    """Parse a whole file; header problems are raised before any row is looked at."""
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise InvalidInput(_("The CSV file is empty: the first line must be the header"))
    records = _records(text, sniff_delimiter(first_line))
    _line, header = next(records)
    mapped, ignored = map_header(header)
    table = CsvTable(columns=[c for c in mapped if c is not None], ignored=ignored)
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # blank line, or a row of empty cells as spreadsheets leave at the end
        values = {  # a formula cell we exported as '=… is read back as =…
            column: restore(cell.strip())
            for column, cell in zip(mapped, cells, strict=False)
            if column is not None
        }
        table.rows.append(CsvRow(line, values))
    return table


MULTILINE_COLUMNS = frozenset({"address"})  # a cell that may keep line breaks and tabs


def check_cells(row: CsvRow) -> None:
    """A row whose cell holds a control character (a NUL, an escape) is refused, naming the column."""
    for column, value in row.values.items():
        what = _("Column {column}").format(column=column)
        validate.plain_text(value, what, multiline=column in MULTILINE_COLUMNS)


def writer(out: TextIO) -> csv.DictWriter[str]:
    """A writer with the contract's header, already written; formula cells are neutralised."""
    w = SafeDictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    return w
