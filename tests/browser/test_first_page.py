import pytest

pytestmark = pytest.mark.browser


def test_home_page_loads_without_console_errors(page, live_server):
    page.goto(live_server + "/")
    assert "Backprop Playground" in page.title()
    page.wait_for_load_state("networkidle")
    assert page.console_errors == []
