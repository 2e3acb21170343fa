"""Studio details: the preset menu after a CSV upload, a CSV error after other data, the read-out's fit."""

from __future__ import annotations

import pytest

from tests.browser.test_studio import TIMEOUT, open_studio, wait_js

pytestmark = pytest.mark.browser

GOOD_CSV = "a,b,y\n" + "\n".join(f"{x / 10},{(x * 7 % 10) / 10},{int(x > 10)}" for x in range(20)) + "\n"


def test_after_a_csv_upload_the_preset_menu_names_no_preset(page, live_server):
    open_studio(page, live_server + "/studio")
    assert page.locator("select[name=preset]").input_value() != ""
    page.set_input_files("input[name=csv]", files=[{"name": "mine.csv", "mimeType": "text/csv",
                                                    "buffer": GOOD_CSV.encode()}])
    page.wait_for_selector("text=Your CSV", timeout=TIMEOUT)
    menu = page.locator("select[name=preset]")
    assert menu.input_value() == ""
    assert menu.evaluate("s => s.selectedOptions[0].textContent") == "(your own net)"


def test_a_csv_error_goes_when_other_data_is_chosen(page, live_server):
    open_studio(page, live_server + "/studio")
    page.set_input_files("input[name=csv]", files=[{"name": "broken.csv", "mimeType": "text/csv",
                                                    "buffer": b"x1,x2,y\n0,0,0\n1,banana,1\n"}])
    page.wait_for_selector("[data-error=csv]", timeout=TIMEOUT)
    page.console_errors[:] = [e for e in page.console_errors if "status of 422" not in e]
    page.select_option("select[name='data.dataset']", "circles")
    wait_js(page, "!document.querySelector('[data-error=csv]')")
    assert page.locator("select[name='data.dataset']").input_value() == "circles"


@pytest.mark.parametrize("size", [(1280, 720), (960, 540)])
def test_the_metric_read_out_stays_inside_its_panel(page, live_server, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_studio(page, live_server + "/studio")
    # the widest numbers the read-out writes: a small negative NLL and an accuracy with a decimal
    page.evaluate("""() => {
        const widest = {loss: '−1.23e−5', test_loss: '−1.23e−5', accuracy: '99.9 %', test_accuracy: '99.9 %'};
        for (const [k, v] of Object.entries(widest)) {
            document.querySelector(`[data-metric=${k}]`).textContent = v;
        }
    }""")
    fit = page.evaluate("""() => {
        const panel = document.querySelector('.loss-chart').closest('.panel').getBoundingClientRect();
        return [...document.querySelectorAll('.loss-chart .metric')].filter(m => !m.hidden).map(m => {
            const r = m.getBoundingClientRect(), v = m.querySelector('.value');
            const inside = r.left >= panel.left && r.right <= panel.right;
            return {inside, fits: v.scrollWidth <= v.clientWidth};
        });
    }""")
    assert fit and all(m["inside"] and m["fits"] for m in fit), fit
