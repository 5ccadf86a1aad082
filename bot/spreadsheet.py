"""Tables as CSV files a spreadsheet opens safely.

RFC 4180: comma-separated, CRLF line ends, a field holding a comma, a quote or a line break is
quoted, and its quotes doubled. UTF-8 with a byte-order mark, so spreadsheets read accented
names right. A cell that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) is prefixed with ``'``, so a spreadsheet shows it as text instead of running it: names
are typed by users, and a name like ``=HYPERLINK(…)`` must stay a name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ENCODING = "utf-8-sig"


def safe_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it as text, never as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_file(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """The table as an RFC 4180 CSV file (UTF-8 with a byte-order mark), every cell safe."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode(ENCODING)
