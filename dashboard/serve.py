"""What `make run` serves: the Streamlit app (dashboard/app.py) plus the sign-in routes, as one st.App.

`streamlit run dashboard/serve.py` finds `app` below and serves it with uvicorn. Running dashboard/app.py
directly still works (tests do), but then sign-in lasts only as long as the browser tab's session.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/serve.py` puts dashboard/ on the path, not the project root.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import cookie_auth  # noqa: E402

cookie_auth.ENABLED = True
app = st.App(Path(__file__).resolve().parent / "app.py", routes=cookie_auth.routes())
