"""A value typed for one cell is not carried to another: after a save, switching the indicator empties the
value field and the 已保存 message of the other cell is no longer shown."""

from __future__ import annotations

import pytest

from indicators.store.store import Store
from tests.test_entry_safety import _open_cell, _save, _session, two_editors  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow  # a page script through AppTest

WANG = "wang.editor"


def test_switching_the_indicator_clears_the_typed_value_and_the_other_cells_saved_message(
    two_editors,  # noqa: F811
    catalogue,
):
    at = _open_cell(_session(WANG), "xinan_cells", "peace", "371600", "2024")
    _save(at, "120")
    assert [s.value for s in at.success] == [
        "已保存，状态为“已报送，待审核”：审核人通过后才计入得分、图表和简报。存储内容如下："
    ]
    assert at.text_input(key="entry_value").value == "120"
    other = next(
        i.id
        for i in catalogue.indicators.values()
        if catalogue.theme_of[i.id] == "peace" and i.id != "xinan_cells" and i.frequency == "year"
    )
    at.selectbox(key="entry_indicator").set_value(other).run()
    assert not at.exception
    assert at.text_input(key="entry_value").value == ""
    assert not at.success  # the 已保存 of 心安细胞 is not shown under another indicator
    # Pressing save now stores nothing: there is no value to store.
    at.button(key="entry_save").click().run()
    with Store(two_editors, catalogue) as store:
        assert all(h.entered_by != WANG for h in store.history(other, "371600", "2024"))
    at.selectbox(key="entry_indicator").set_value("xinan_cells").run()
    assert at.text_input(key="entry_value").value == ""
