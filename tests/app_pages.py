"""Open a dashboard page in an AppTest session the way the browser's URL does.

The pages are `render(ctx)` functions registered with `st.Page(callable, url_path=…)` (dashboard/app.py), so
`AppTest.switch_page`, which finds pages by their file, cannot reach them: a registered callable page has no
file. A browser asks for `/entry`; Streamlit knows a page by the hash of its URL path, and that is what the
next run is asked for here.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

# Page module (dashboard/pages_/<name>.py) → URL path, where the two differ.
URL_PATHS = {"bulk_import": "import"}


def open_page(at: AppTest, page: str) -> AppTest:
    """Ask the session's next run for a page, named by its module ('bulk_import') or URL path ('import')."""
    url_path = URL_PATHS.get(page, page)
    # The hash Streamlit gives a page registered under url_path (streamlit.navigation.page.Page._script_hash).
    page_hash = calc_hash(url_path)
    registered = at._registered_pages
    if registered and page_hash not in registered:
        raise ValueError(f"no page is registered under /{url_path}")
    at._page_hash = page_hash
    return at


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    """Sign the session in through the sidebar's form (as typed in the browser) and run it."""
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    next(b for b in at.button if b.label.startswith(("登录", "Sign in"))).click()
    return at.run()
