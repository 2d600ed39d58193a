"""The provider's metadata, as Airflow's providers manager reads it."""

from __future__ import annotations

import importlib.metadata

import pytest

from airflow_provider_legalesign.connection_settings import KNOWN_EXTRA_FIELDS
from airflow_provider_legalesign.get_provider_info import get_provider_info
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook


def connection_type() -> dict:
    (entry,) = get_provider_info()["connection-types"]
    return entry


def test_entry_point_registered():
    points = importlib.metadata.entry_points(group="apache_airflow_provider")
    targets = {point.value for point in points}

    assert "airflow_provider_legalesign.get_provider_info:get_provider_info" in targets


def test_connection_type_matches_hook():
    entry = connection_type()

    assert entry["connection-type"] == LegalesignHook.conn_type
    assert entry["hook-class-name"] == f"{LegalesignHook.__module__}.{LegalesignHook.__qualname__}"
    assert entry["hook-name"] == LegalesignHook.hook_name


def test_form_fields_cover_every_extra_field():
    assert set(connection_type()["conn-fields"]) == set(KNOWN_EXTRA_FIELDS)


def test_form_relabels_and_hides_standard_fields():
    behaviour = connection_type()["ui-field-behaviour"]

    assert behaviour["relabeling"] == {
        "host": "GraphQL endpoint",
        "login": "Username",
        "password": "Password or API key",
    }
    assert set(behaviour["hidden-fields"]) == {"schema", "port"}


def test_client_secret_marked_sensitive():
    assert connection_type()["conn-fields"]["client_secret"]["schema"]["format"] == "password"


@pytest.mark.parametrize(
    ("field", "choices", "default"),
    [
        ("auth_type", ["cognito", "api_key"], "cognito"),
        ("auth_flow", ["USER_PASSWORD_AUTH", "USER_SRP_AUTH"], "USER_PASSWORD_AUTH"),
    ],
)
def test_choice_fields_offer_enum(field, choices, default):
    schema = connection_type()["conn-fields"][field]["schema"]

    assert schema["enum"] == choices
    assert schema["default"] == default


@pytest.mark.filterwarnings("ignore:ProvidersManager.hooks is deprecated")
def test_providers_manager_loads_hook():
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()

    assert manager.providers["airflow-provider-legalesign"].data["name"] == "Legalesign"
    assert manager.hooks["legalesign"].hook_class_name.endswith("LegalesignHook")
    assert manager.hooks["legalesign"].connection_testable


def test_provider_info_validates_against_airflow_schema():
    import json
    from pathlib import Path

    import airflow
    import jsonschema

    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())

    jsonschema.validate(get_provider_info(), schema)
