"""
The Legalesign connection form in the Airflow UI, used in headless Chromium like a person would.

The test logs in, opens Admin > Connections > Add, chooses "Legalesign", finds every extra field of
``connection_fields.EXTRA_FIELDS`` by its label, fills the form for the sandbox, saves it and presses the
connection's Test button. Screenshots of the filled form go to ``test-output/connection_form/``.

Chromium is Debian's ``/usr/bin/chromium``, driven by the Python ``playwright`` package. Playwright never
downloads a browser here: ``executable_path`` points it at the installed one.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_legalesign.connection_fields import EXTRA_FIELDS, RELABELING
from tests.airflow_version import AIRFLOW_3
from tests.deployment.airflow_deployment import REPO_ROOT, REQUIRES_AIRFLOW_3

pytestmark = [
    pytest.mark.deployment,
    pytest.mark.browser,
    pytest.mark.skipif(not AIRFLOW_3, reason=REQUIRES_AIRFLOW_3),
    pytest.mark.timeout(900),
]

CHROMIUM = Path("/usr/bin/chromium")
# Without the background flags Chromium keeps connecting to Google's services, which a closed network
# rejects. Chromium needs --no-sandbox to run as root, as CI does.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Tall enough for the whole Add Connection dialog, so that one screenshot shows every field.
VIEWPORT = {"width": 1400, "height": 2400}
OUTPUT_FOLDER = REPO_ROOT / "test-output" / "connection_form"
UI_CONN_ID = "legalesign_ui"
UI_TIMEOUT_MS = 60_000


def require_browser() -> None:
    """Skip without Chromium or Playwright on a developer's machine; fail in CI, which installs both."""
    in_ci = os.environ.get("CI") == "true"
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; install Debian's chromium package (apt-get install chromium)"
        if in_ci:
            pytest.fail(f"{message}. .ci/run installs it, so CI must have it.")
        pytest.skip(message)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        message = "the Python package playwright is missing; `make venv` installs it"
        if in_ci:
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class FilledForm:
    """What the form showed for each extra field, and what the test typed into it."""

    values: dict[str, Any]
    label_counts: dict[str, int] = field(default_factory=dict)
    helper_texts: dict[str, str] = field(default_factory=dict)
    screenshots: list[Path] = field(default_factory=list)
    save_message: str = ""


def sandbox_values(sandbox) -> dict[str, Any]:
    """
    Return a value for every extra field: the sandbox's own, else the field's default, else None.

    ``timeout`` and ``max_attempts`` get values other than their defaults, so the saved connection shows
    that what was typed reached the extra, not only the defaults the form starts with.
    """
    values = {name: spec["schema"].get("default") for name, spec in EXTRA_FIELDS.items()}
    known = {**sandbox.connection()["extra"], "user_pool_id": sandbox.user_pool_id}
    known.update({"timeout": 20, "max_attempts": 3})
    values.update({name: value for name, value in known.items() if name in EXTRA_FIELDS})
    return values


def field_group(page, label: str):
    """Return the form field whose label reads ``label``, by the label's text as a person reads it."""
    # The React form's labels do not point at their inputs (their "for" names another id), so the
    # field is found as the group that contains the label.
    label_pattern = re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$")
    return page.locator("[data-scope='field'][data-part='root']").filter(
        has=page.locator("label[data-part='label']", has_text=label_pattern)
    )


def schema_types(schema: dict[str, Any]) -> set[str]:
    types = schema.get("type", [])
    return {types} if isinstance(types, str) else set(types)


def fill_field(page, group, schema: dict[str, Any], value: Any) -> None:
    """Set one field to ``value`` with the control the form renders for its JSON schema."""
    types = schema_types(schema)
    if "enum" in schema:
        group.get_by_role("combobox").click()
        page.get_by_role("option", name=str(value), exact=True).click()
    elif "boolean" in types:
        # NOTE: no extra field is a boolean yet, so this branch has not run against the form.
        group.locator("input[type='checkbox']").set_checked(bool(value), force=True)
    elif types & {"integer", "number"}:
        group.get_by_role("spinbutton").fill(str(value))
    else:
        group.locator("input").fill(str(value))


def open_add_connection_form(page) -> None:
    page.get_by_role("button", name="Admin").click()
    page.get_by_role("menuitem", name="Connections").click()
    page.get_by_role("button", name="Add Connection").click()
    page.get_by_role("dialog").get_by_text("Add Connection").wait_for()


def fill_standard_fields(page, connection: dict[str, Any]) -> None:
    for name in ("host", "login", "password"):
        label = RELABELING.get(name, name.capitalize())
        group = field_group(page, label)
        assert group.count() == 1, f"standard field {name} ({label!r}) not found once in the form"
        group.locator("input").fill(connection[name])


@pytest.fixture(scope="module")
def page(airflow, tmp_path_factory):
    """A logged-in Chromium page of the deployment's UI."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium_profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        try:
            browser_page = context.new_page()
            browser_page.goto(f"{airflow.base_url}/")
            browser_page.get_by_label("Username").fill("admin")
            browser_page.get_by_label("Password").fill(airflow.password)
            browser_page.get_by_role("button", name="Sign in").click()
            browser_page.get_by_role("button", name="Admin").wait_for()
            yield browser_page
        finally:
            context.close()


@pytest.fixture(scope="module")
def filled_form(page, airflow, deployment_sandbox) -> FilledForm:
    """The Add Connection form filled for the sandbox and saved, with what it showed on the way."""
    connection = deployment_sandbox.connection()
    form = FilledForm(values=sandbox_values(deployment_sandbox))
    OUTPUT_FOLDER.mkdir(parents=True, exist_ok=True)

    open_add_connection_form(page)
    page.get_by_label("Connection ID").fill(UI_CONN_ID)
    page.get_by_role("dialog").get_by_role("combobox").first.click()
    page.get_by_role("option", name="Legalesign", exact=True).click()
    fill_standard_fields(page, connection)
    form.screenshots.append(OUTPUT_FOLDER / "standard_fields.png")
    page.screenshot(path=str(form.screenshots[-1]))

    page.get_by_role("button", name="Extra Fields", exact=True).click()
    for name, spec in EXTRA_FIELDS.items():
        group = field_group(page, spec["label"])
        form.label_counts[name] = group.count()
        if form.label_counts[name] != 1:
            continue
        form.helper_texts[name] = group.locator("[data-part='helper-text']").inner_text()
        if form.values[name] is not None:
            fill_field(page, group, spec["schema"], form.values[name])
    form.screenshots.append(OUTPUT_FOLDER / "extra_fields.png")
    page.screenshot(path=str(form.screenshots[-1]))

    page.get_by_role("button", name="Save").click()
    toast = page.get_by_text("Connection has been successfully created.")
    toast.wait_for()
    form.save_message = toast.inner_text()
    return form


def test_form_shows_every_extra_field(filled_form):
    for name, spec in EXTRA_FIELDS.items():
        assert filled_form.label_counts[name] == 1, (
            f"label {spec['label']!r} of {name} found {filled_form.label_counts[name]} times"
        )
        assert filled_form.helper_texts[name] == spec["description"], name


def test_form_screenshots_written(filled_form):
    for path in filled_form.screenshots:
        assert path.read_bytes().startswith(b"\x89PNG"), path


def test_saved_connection_has_typed_values(filled_form, airflow, deployment_sandbox):
    connection = deployment_sandbox.connection()

    stored = airflow.api("GET", f"/connections/{UI_CONN_ID}")

    assert filled_form.save_message == "Connection has been successfully created."
    assert stored["conn_type"] == "legalesign"
    assert stored["host"] == connection["host"]
    assert stored["login"] == connection["login"]
    extra = json.loads(stored["extra"])
    for name, value in filled_form.values.items():
        assert extra.get(name) == value, name


def test_test_button_reports_success(filled_form, page, airflow, deployment_sandbox):
    row = page.get_by_role("row").filter(has_text=UI_CONN_ID)

    with page.expect_response(lambda response: response.url.endswith("/api/v2/connections/test")) as sent:
        row.get_by_role("button", name="Test Connection").click()
    response = sent.value
    request_body = json.loads(response.request.post_data or "{}")

    if response.status == 400 and request_body.get("port") == 0:
        # Airflow 3.3.2's connection list sends port 0 for a connection without a port (Number(null)).
        # Its API server takes 0 for another endpoint than the stored empty port, so it rejects the test
        # with 400 for every connection type. Airflow's fix, which treats 0 like an empty port, came after
        # 3.3.2. The same request with the port left empty must pass: that is the provider's part.
        page.get_by_text("Test Connection Failed").wait_for()
        page.screenshot(path=str(OUTPUT_FOLDER / "test_button.png"))
        retry = airflow.api("POST", "/connections/test", json={**request_body, "port": None})
        assert retry["status"] is True, retry
        pytest.xfail(f"Airflow's UI sent port 0 and its API server answered 400: {response.text()}")

    assert response.status == 200, response.text()
    assert response.json()["status"] is True, response.json()
    page.get_by_text("Test Connection Successful").wait_for()
    page.screenshot(path=str(OUTPUT_FOLDER / "test_button.png"))
    message = page.get_by_text(f"Connected to Legalesign at {deployment_sandbox.graphql_url}")
    assert deployment_sandbox.username in message.inner_text()
