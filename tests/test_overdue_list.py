"""The overdue list (催报) download: staff free text in it stays text, never a live spreadsheet formula."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import load_workbook

from dashboard import reporting_view
from indicators.catalogue import load_catalogue


def test_a_reason_that_looks_like_a_formula_is_stored_as_text_in_the_overdue_list() -> None:
    catalogue = load_catalogue()
    ind = next(iter(catalogue.indicators.values()))
    department = ind.department if isinstance(ind.department, str) else ind.department[0]
    reason = '=HYPERLINK("http://evil.example","点此")'
    cells = pd.DataFrame(
        {
            "department": [department],
            "indicator_id": [ind.id],
            "place_code": [catalogue.framework.default_place],
            "period": ["2025"],
            "due": [dt.date(2026, 1, 31)],
            "state": ["overdue"],
            "days_overdue": [30],
            "reason": [reason],
        }
    )
    sheet = load_workbook(io.BytesIO(reporting_view.overdue_xlsx(cells))).active
    values = [c for row in sheet.iter_rows() for c in row]
    texts = [c for c in values if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert texts, "the reason is in the list"
    assert all(c.data_type != "f" for c in values)
    assert next(iter(sheet.iter_rows(min_row=2, values_only=True)))[7] == 30  # days stay a number
