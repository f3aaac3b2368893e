"""Batch CSV in and out: a user's spreadsheet export -> batch rows; a report -> a results CSV.

Reading checks the whole file before any work (size, header, row count) and turns every bad row
into its own error naming the row and column. Writing echoes the input columns and adds draft,
subject, intent, status, error, sources, ms, with every cell that a spreadsheet would run as a
formula neutralised (CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from engine.batch.runner import BatchRow, RowError
from engine.errors import BatchRejected
from engine.models import BatchItem, BatchReport, DraftRequest

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "RESULT_COLUMNS",
    "BatchCsv",
    "CsvRow",
    "decode_csv_bytes",
    "neutralise",
    "read_batch_csv",
    "results_csv_bytes",
    "results_csv_for_rows",
    "write_results_csv",
]

COLUMNS: tuple[str, ...] = ("conversation_thread", "channel", "prospect_profile_url",
                            "prospect_company_url", "prospect_company_website", "prospect_name")
REQUIRED_COLUMNS: tuple[str, ...] = ("conversation_thread", "channel")
RESULT_COLUMNS: tuple[str, ...] = ("draft", "subject", "intent", "status", "error", "sources", "ms")

# The words users see when a file or row is refused; each says what to do.
MSG_EMPTY = "The CSV file is empty: expected a header row with the columns {expected}."
MSG_BINARY = ("This file does not look like a CSV (it contains binary data). "
              "Export the sheet as CSV (comma-separated) and upload that.")
MSG_TOO_BIG = "The CSV file is {size:,} bytes; the limit is {limit:,} bytes (MAX_BATCH_BYTES). Split it."
MSG_TOO_MANY = ("The CSV file has {rows:,} rows; the limit is {limit:,} rows per batch (MAX_BATCH_ROWS). "
                "Split it into files of at most {limit:,} rows.")
MSG_NO_ROWS = "The CSV file has a header but no rows to draft."
MSG_BAD_HEADER = ("The CSV header does not match. Missing: {missing}. Unknown: {unknown}. "
                  "Expected columns: {expected} (matched ignoring case and spaces; "
                  "{required} are required).")
MSG_DUPLICATE = "The CSV header names the column {column!r} twice; keep one."
MSG_UNREADABLE = "The CSV file could not be read at line {line}: {error}. Check its quoting."
MSG_EXTRA_CELLS = "the row has {cells} cells but the header has {columns} columns"
MSG_FORMULA = ("{column}: the cell starts with a spreadsheet formula ({start!r}); the row was not "
               "run. Paste the text itself, not a formula")

# A formula a spreadsheet would evaluate: =FUNC(, +FUNC(, @FUNC(, or a DDE call such as =cmd|...
_FORMULA = re.compile(r"^\s*[=+\-@]\s*[A-Za-z_][\w.]*\s*[(|]")
_INJECTION_STARTS = ("=", "+", "-", "@", "\t", "\r")
_EXCEL_CELL_LIMIT = 32_000  # Excel keeps at most 32,767 characters per cell


@dataclass(frozen=True)
class CsvRow:
    """One data row: its 1-based number in the file, its cells by column, and what it runs as."""

    row: int
    cells: dict[str, str]
    item: BatchRow


@dataclass(frozen=True)
class BatchCsv:
    """A checked batch file: the header as written, the canonical columns, and every data row."""

    header: list[str]
    columns: list[str]
    rows: list[CsvRow]
    encoding: str

    @property
    def items(self) -> list[BatchRow]:
        """The rows as the batch runner takes them, in file order."""
        return [row.item for row in self.rows]


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """The text and the encoding used: UTF-8 (with or without BOM), else cp1252, else latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"  # every byte decodes: never fails


def _canonical(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


_BY_CANONICAL = {_canonical(name): name for name in COLUMNS}


def read_batch_csv(data: bytes | str, *, max_rows: int = 1000, max_bytes: int = 10_000_000,
                   defaults: Mapping[str, Any] | None = None) -> BatchCsv:
    """Check and parse a batch CSV; raises BatchRejected (before any work) when the file is unusable."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise BatchRejected(MSG_TOO_BIG.format(size=len(raw), limit=max_bytes))
    if b"\x00" in raw:
        raise BatchRejected(MSG_BINARY)
    text, encoding = (data.removeprefix("\ufeff"), "utf-8") if isinstance(data, str) \
        else decode_csv_bytes(raw)
    if not text.strip():
        raise BatchRejected(MSG_EMPTY.format(expected=", ".join(COLUMNS)))
    # A 20,000-character thread is a row error, not a file error: let the parser read big cells.
    csv.field_size_limit(max(csv.field_size_limit(), max_bytes))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader)
        columns = _check_header(header)
        records = list(reader)
    except csv.Error as exc:
        raise BatchRejected(MSG_UNREADABLE.format(line=reader.line_num, error=exc)) from exc
    numbered = [(number, cells) for number, cells in enumerate(records, start=1)
                if any(cell.strip() for cell in cells)]  # blank lines are not rows
    if not numbered:
        raise BatchRejected(MSG_NO_ROWS)
    if len(numbered) > max_rows:
        raise BatchRejected(MSG_TOO_MANY.format(rows=len(numbered), limit=max_rows))
    rows = [_row(number, cells, header, columns, defaults or {}) for number, cells in numbered]
    return BatchCsv(header=header, columns=[c for c in columns if c], rows=rows, encoding=encoding)


def _delimiter(text: str) -> str:
    # Excel in many European locales exports `;`; pick what the header line uses most.
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def _check_header(header: list[str]) -> list[str]:
    """The canonical column of each header cell ("" for a blank cell), or BatchRejected."""
    columns: list[str] = []
    unknown: list[str] = []
    for name in header:
        if not name.strip():
            columns.append("")  # Excel's trailing empty columns: ignored
            continue
        column = _BY_CANONICAL.get(_canonical(name))
        if column is None:
            unknown.append(name.strip())
        elif column in columns:
            raise BatchRejected(MSG_DUPLICATE.format(column=column))
        columns.append(column or "")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing or unknown:
        raise BatchRejected(MSG_BAD_HEADER.format(
            missing=", ".join(missing) or "none", unknown=", ".join(unknown) or "none",
            expected=", ".join(COLUMNS), required=" and ".join(REQUIRED_COLUMNS)))
    return columns


def _row(number: int, cells: list[str], header: list[str], columns: list[str],
         defaults: Mapping[str, Any]) -> CsvRow:
    # A short row's missing cells are empty, so a required one is reported, never defaulted.
    padded = cells + [""] * (len(columns) - len(cells))
    values = {column: cell for column, cell in zip(columns, padded, strict=False) if column}
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
        error = RowError(MSG_EXTRA_CELLS.format(cells=len(cells), columns=len(header)), row=number)
        return CsvRow(row=number, cells=values, item=error)
    return CsvRow(row=number, cells=values, item=_request(number, values, defaults))


def _request(number: int, values: dict[str, str], defaults: Mapping[str, Any]) -> BatchRow:
    body = {**defaults, **{column: value for column, value in values.items()}}
    try:
        request = DraftRequest.model_validate(body)
    except ValidationError as exc:
        problems = exc.errors()
        column = ".".join(str(part) for part in problems[0]["loc"]) or None
        message = "; ".join(
            f"{'.'.join(str(p) for p in item['loc'])}: {str(item['msg']).removeprefix('Value error, ')}"
            for item in problems)
        return RowError(message, column=column, row=number)
    for column in ("conversation_thread", "prospect_name"):
        value = getattr(request, column) or ""
        if _FORMULA.match(value):
            start = value.lstrip()[:12]
            return RowError(MSG_FORMULA.format(column=column, start=start), column=column, row=number)
    return request


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet will not run: a leading =, +, -, @, tab or CR gets a `'`."""
    return "'" + cell if cell.startswith(_INJECTION_STARTS) else cell


def _echo(cell: str) -> str:
    if len(cell) > _EXCEL_CELL_LIMIT:
        cell = cell[:_EXCEL_CELL_LIMIT] + " [truncated]"
    return neutralise(cell)


def _result_cells(item: BatchItem) -> list[str]:
    result = item.result
    if result is None:
        status = "cancelled" if item.error and "cancelled" in item.error else "error"
        return ["", "", "", status, item.error or "", "", ""]
    problems = [f"{step.name}: {step.error}" for step in result.steps if step.error]
    sources = "; ".join(f"{step.name}={step.source if step.status == 'ok' else step.status}"
                        for step in result.steps)
    return [
        result.draft.text, result.draft.subject or "",
        result.analysis.intent if result.analysis else "",
        "degraded" if result.degraded else "ok", "; ".join(problems), sources, str(result.total_ms),
    ]


def write_results_csv(batch: BatchCsv, report: BatchReport) -> str:
    """The results CSV: the input columns as uploaded, then draft, subject, intent, status, error,
    sources, ms; one line per input row, in input order."""
    if len(report.results) != len(batch.rows):
        raise ValueError(f"report has {len(report.results)} rows, the file {len(batch.rows)}")
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    header = [name.strip() for name, column in zip(batch.header, _header_columns(batch), strict=True)
              if column]
    writer.writerow([*header, *RESULT_COLUMNS])
    for row, item in zip(batch.rows, report.results, strict=True):
        echoed = [_echo(row.cells.get(column, "")) for column in batch.columns]
        writer.writerow([*echoed, *(neutralise(cell) for cell in _result_cells(item))])
    return out.getvalue()


def results_csv_bytes(batch: BatchCsv, report: BatchReport) -> bytes:
    """The results CSV as UTF-8 with a BOM, so Excel shows accents and emoji correctly."""
    return write_results_csv(batch, report).encode("utf-8-sig")


def results_csv_for_rows(report: BatchReport) -> bytes:
    """The results CSV of a batch sent as JSON rows (no file to echo): its row number, then the
    result columns, in input order."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["row", *RESULT_COLUMNS])
    for item in report.results:
        writer.writerow([str(item.index + 1), *(neutralise(cell) for cell in _result_cells(item))])
    return out.getvalue().encode("utf-8-sig")


def _header_columns(batch: BatchCsv) -> list[str]:
    return [_BY_CANONICAL.get(_canonical(name), "") if name.strip() else "" for name in batch.header]
