"""
The hook's connection-form classmethods, which Airflow 2.11 to 3.1 use instead of ``conn-fields``.

Airflow 2 builds its Flask form from the wtforms fields that ``get_connection_form_widgets`` returns.
Airflow 3.0 and 3.1 call the same method with wtforms, flask_babel and flask_appbuilder replaced by
stand-ins whose field constructors take only ``label``, ``validators``, ``description``, ``default``,
``widget`` and ``source``, and turn ``wtforms.validators.any_of`` into an enum. The stand-ins below follow
that contract, so these tests run on every Airflow version, with or without wtforms.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest

from airflow_provider_legalesign.connection_fields import EXTRA_FIELDS
from airflow_provider_legalesign.get_provider_info import get_provider_info
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

HAS_WTFORMS = all(importlib.util.find_spec(name) for name in ("wtforms", "flask_appbuilder", "flask_babel"))


class StandInField:
    """Records its arguments; the signature is the one Airflow 3.0 and 3.1 give their field stand-ins."""

    def __init__(
        self,
        label: str | None = None,
        validators: list[Any] | None = None,
        description: str = "",
        default: Any = None,
        widget: Any = None,
        source: str | None = None,
    ) -> None:
        self.label = label
        self.validators = validators or []
        self.description = description
        self.default = default
        self.widget = widget


class StandInStringField(StandInField):
    pass


class StandInIntegerField(StandInField):
    pass


class StandInPasswordField(StandInField):
    pass


class StandInBooleanField(StandInField):
    pass


class StandInEnum:
    def __init__(self, allowed_values: list[Any]) -> None:
        self.allowed_values = allowed_values


def stand_in_modules() -> dict[str, SimpleNamespace]:
    """Return stand-ins for the modules that the method imports, to put into ``sys.modules``."""
    return {
        "wtforms": SimpleNamespace(
            StringField=StandInStringField,
            IntegerField=StandInIntegerField,
            PasswordField=StandInPasswordField,
            BooleanField=StandInBooleanField,
        ),
        "wtforms.validators": SimpleNamespace(
            Optional=lambda *args, **kwargs: "optional",
            NumberRange=lambda *args, **kwargs: "number range",
            any_of=StandInEnum,
        ),
        "flask_babel": SimpleNamespace(lazy_gettext=lambda text: text),
        "flask_appbuilder": SimpleNamespace(),
        "flask_appbuilder.fieldwidgets": SimpleNamespace(
            BS3TextFieldWidget=lambda: "text widget",
            BS3PasswordFieldWidget=lambda: "password widget",
        ),
    }


def conn_fields() -> dict[str, Any]:
    (entry,) = get_provider_info()["connection-types"]
    return dict(entry["conn-fields"])


@pytest.fixture
def stand_in_widgets() -> dict[str, StandInField]:
    with mock.patch.dict(sys.modules, stand_in_modules()):
        return LegalesignHook.get_connection_form_widgets()


def expected_field_class(schema: dict[str, Any]) -> type[StandInField]:
    types_ = {schema["type"]} if isinstance(schema["type"], str) else set(schema["type"])
    if schema.get("format") == "password":
        return StandInPasswordField
    if "boolean" in types_:
        return StandInBooleanField
    if "integer" in types_:
        return StandInIntegerField
    return StandInStringField


def test_classmethods_defined_on_hook_class():
    # Airflow looks the methods up in the class's own __dict__ and ignores inherited ones.
    assert "get_connection_form_widgets" in LegalesignHook.__dict__
    assert "get_ui_field_behaviour" in LegalesignHook.__dict__


def test_widget_names_match_conn_fields(stand_in_widgets):
    assert set(stand_in_widgets) == set(conn_fields())
    assert list(stand_in_widgets) == list(EXTRA_FIELDS)


@pytest.mark.parametrize("name", list(EXTRA_FIELDS))
def test_widget_matches_conn_field(stand_in_widgets, name):
    spec = conn_fields()[name]
    widget = stand_in_widgets[name]

    assert type(widget) is expected_field_class(spec["schema"])
    assert widget.label == spec["label"]
    assert widget.description == spec["description"]
    assert widget.default == spec["schema"].get("default")
    assert "optional" in widget.validators
    enums = [
        validator.allowed_values for validator in widget.validators if isinstance(validator, StandInEnum)
    ]
    assert enums == ([spec["schema"]["enum"]] if "enum" in spec["schema"] else [])


def test_field_behaviour_matches_provider_info():
    (entry,) = get_provider_info()["connection-types"]
    declared = entry["ui-field-behaviour"]

    behaviour = LegalesignHook.get_ui_field_behaviour()

    assert behaviour == {
        "hidden_fields": declared["hidden-fields"],
        "relabeling": declared["relabeling"],
        "placeholders": declared["placeholders"],
    }


def test_field_behaviour_valid_for_airflow():
    import airflow
    import jsonschema

    schema_path = Path(airflow.__file__).parent / "customized_form_field_behaviours.schema.json"

    jsonschema.validate(LegalesignHook.get_ui_field_behaviour(), json.loads(schema_path.read_text()))


@pytest.mark.skipif(not HAS_WTFORMS, reason="wtforms and Flask-AppBuilder are not installed (Airflow 3.2+)")
def test_real_wtforms_fields_accepted_by_airflow():
    from wtforms import BooleanField, IntegerField, PasswordField, StringField

    widgets = LegalesignHook.get_connection_form_widgets()

    for name, widget in widgets.items():
        assert widget.field_class in (BooleanField, IntegerField, PasswordField, StringField), name


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_providers_manager_exposes_every_field():
    from airflow.providers_manager import ProvidersManager

    widgets = ProvidersManager().connection_form_widgets

    for name in EXTRA_FIELDS:
        assert f"extra__legalesign__{name}" in widgets, name
    assert widgets["extra__legalesign__client_secret"].is_sensitive
    assert not widgets["extra__legalesign__client_id"].is_sensitive
