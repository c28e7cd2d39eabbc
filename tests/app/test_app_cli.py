"""`hubopt app`: the command's errors, its port, and opening the browser (the server itself: test_app_http.py)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hubopt.app import serve as serve_module
from hubopt.app.serve import DEFAULT_PORT, HOST, Server, bind
from hubopt.cli import main
from hubopt.errors import InputError
from hubopt.workbench import Workbench


def test_app_scenario_error_is_a_plain_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["app", str(tmp_path / "missing.yaml"), "--no-browser"])
    assert result.exit_code == 2
    assert "Error: file" in result.output and "the scenario file does not exist" in result.output
    assert "Traceback" not in result.output


def test_app_opens_the_default_scenario_and_serves_it(monkeypatch: pytest.MonkeyPatch, workbench: Workbench) -> None:
    opened: list[Any] = []
    served: dict[str, Any] = {}

    def fake_open(scenario: Any, **kwargs: Any) -> Workbench:
        opened.append(scenario)
        assert kwargs["time_limit"] == 30.0  # a live page: each solve stops after 30 s, labelled not proven
        kwargs["progress"]("Opening the study")
        return workbench

    def fake_serve(app: Any, port: int | None, *, open_browser: bool, say: Any) -> None:
        served.update(app=app, port=port, open_browser=open_browser)
        say("The workbench is at http://127.0.0.1:1234/")

    monkeypatch.setattr(Workbench, "open", fake_open)
    monkeypatch.setattr(serve_module, "serve", fake_serve)
    result = CliRunner().invoke(main, ["app", "--port", "0", "--no-browser"])
    assert result.exit_code == 0, result.output
    assert opened[0].name == "West Kent local care hubs"  # builtin:west_kent_hubs by default
    assert served["port"] == 0 and served["open_browser"] is False
    assert served["app"].state.settings.workbench is workbench
    assert "Opening the study" in result.output and "http://127.0.0.1:1234/" in result.output


def test_a_busy_port_is_a_plain_error() -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"port {port} cannot be used"):
            bind(port)


def test_no_port_takes_8765_or_a_free_one() -> None:
    first = bind(None)
    try:
        second = bind(None)  # 8765 is now busy (or was already): a free port instead
        try:
            ports = {first.getsockname()[1], second.getsockname()[1]}
            assert len(ports) == 2 and all(p > 0 for p in ports)
            assert DEFAULT_PORT in ports or first.getsockname()[1] != DEFAULT_PORT
        finally:
            second.close()
    finally:
        first.close()


def test_a_port_outside_the_range_is_refused() -> None:
    with pytest.raises(InputError, match="70000 is not a port number"):
        bind(70000)


def test_serve_says_the_address_and_opens_the_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    said: list[str] = []
    monkeypatch.setattr(serve_module.webbrowser, "open", opened.append)
    monkeypatch.setattr(Server, "run", lambda self, on_started=None: on_started and on_started())
    serve_module.serve(object(), 0, open_browser=True, say=said.append)  # type: ignore[arg-type]
    assert len(opened) == 1 and opened[0].startswith(f"http://{HOST}:")
    assert said == [f"The workbench is at {opened[0]} (press Ctrl+C to stop it)"]
