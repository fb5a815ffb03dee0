"""CSV cells that spreadsheets show as text: the one defence against formula injection in exports."""
from __future__ import annotations

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text
