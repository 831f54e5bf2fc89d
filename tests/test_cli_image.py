"""`grokterm image` in-process against the emulator: valid picture files, numbering, formats, JSON,
refusals and their exit codes (consistent with `ask`)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from grokterm.cli import main
from grokterm.emulator.faults import Fault
from grokterm.media.generated import output_paths


def connection(emulator) -> list[str]:
    return ["--base-url", emulator.base_url, "--api-key", emulator.api_key]


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_writes_a_valid_picture_and_prints_the_revised_prompt(emulator, workdir, capsys) -> None:
    assert main(["image", "a lighthouse at dusk", "-o", "light.jpg", *connection(emulator)]) == 0
    with Image.open(workdir / "light.jpg") as picture:
        assert picture.format == "JPEG" and picture.size == (768, 512)
        picture.verify()
    out = capsys.readouterr().out
    assert "saved light.jpg  768×512 JPEG" in out
    assert "revised prompt: A deterministic test picture for the prompt: a lighthouse at dusk" in out


def test_several_images_get_numbered_names_in_the_asked_format(emulator, workdir) -> None:
    assert main(["image", "three cats", "-n", "3", "-o", "cat.png", "--response-format", "url",
                 *connection(emulator)]) == 0
    names = sorted(p.name for p in workdir.iterdir())
    assert names == ["cat-1.png", "cat-2.png", "cat-3.png"]
    for name in names:
        with Image.open(workdir / name) as picture:
            assert picture.format == "PNG"  # the API sent JPEG; the name asked for PNG
    from grokterm import paths
    from grokterm.store import Store
    from grokterm.store.image_requests import ImageRequestRow

    with Store(paths.database_file()) as store:  # the app's r/e on it asks for three again
        [prompt] = [m for c in store.list_conversations() for m in store.list_messages(c.id)
                    if m.kind == "image_prompt"]
        assert store.image_request(prompt.id) == ImageRequestRow(3, "grok-imagine-image")


def test_without_output_files_are_named_and_never_overwritten(emulator, workdir) -> None:
    assert main(["image", "one", *connection(emulator)]) == 0
    assert main(["image", "two", *connection(emulator)]) == 0
    files = sorted(workdir.glob("grokterm-*.jpg"))
    assert len(files) == 2  # the second run, in the same second, did not replace the first


def test_json_output(emulator, workdir, capsys) -> None:
    assert main(["image", "json please", "-n", "2", "-o", "pic", "--json", *connection(emulator)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["model"] == "grok-imagine-image" and body["prompt"] == "json please"
    assert [i["path"] for i in body["images"]] == ["pic-1.jpg", "pic-2.jpg"]
    assert body["images"][0]["width"] == 768 and body["images"][0]["mime"] == "image/jpeg"
    assert body["images"][0]["revised_prompt"].endswith("json please")
    assert body["cost_ticks"] == 400_000_000 and body["cost"] == 0.04


def test_stdout_output(emulator, workdir, capsysbinary) -> None:
    assert main(["image", "to a pipe", "-o", "-", *connection(emulator)]) == 0
    captured = capsysbinary.readouterr()
    assert Image.open(io.BytesIO(captured.out)).format == "JPEG"
    assert b"revised prompt" in captured.err


@pytest.mark.parametrize("prompt, code, words", [
    ("a forbidden thing !refuse", 16, "refused by the content policy"),
    ("a blocked thing !block", 16, "refused by the content policy"),
])
def test_content_policy_refusal(emulator, workdir, capsys, prompt, code, words) -> None:
    assert main(["image", prompt, *connection(emulator)]) == code
    err = capsys.readouterr().err
    assert words in err and f"your prompt was: {prompt}" in err
    assert list(workdir.iterdir()) == []


def test_refusal_in_json(emulator, workdir, capsys) -> None:
    assert main(["image", "nope !refuse", "--json", *connection(emulator)]) == 16
    body = json.loads(capsys.readouterr().out)
    assert body["error"]["type"] == "ContentPolicyError" and body["prompt"] == "nope !refuse"


@pytest.mark.parametrize("model, code, words", [
    ("grok-3", 9, "does not support image generation"),
    ("grok-no-such-image", 8, "not found"),
])
def test_unsupported_models(emulator, workdir, capsys, model, code, words) -> None:
    assert main(["image", "x", "-m", model, *connection(emulator)]) == code
    assert words in capsys.readouterr().err


@pytest.mark.parametrize("status, code", [(401, 4), (429, 7), (500, 10)])
def test_http_errors_map_to_ask_exit_codes(emulator, workdir, capsys, status, code) -> None:
    emulator.state.push_fault(Fault(kind="status", status=status, times=5))
    assert main(["image", "x", "--retries", "0", *connection(emulator)]) == code
    assert capsys.readouterr().err.startswith("grokterm: ")


def test_usage_errors(emulator, workdir, capsys, monkeypatch) -> None:
    assert main(["image", "x", "-n", "11", *connection(emulator)]) == 2
    assert main(["image", "x", "-n", "2", "-o", "-", *connection(emulator)]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["image", *connection(emulator)]) == 2
    assert emulator.state.requests == []


def test_unwritable_output(emulator, workdir, capsys) -> None:
    assert main(["image", "x", "-o", str(workdir / "missing-dir" / "x.jpg"), *connection(emulator)]) == 17
    assert "cannot write" in capsys.readouterr().err


def test_output_paths() -> None:
    assert output_paths(Path("a.png"), 1, "image/jpeg") == [Path("a.png")]
    assert output_paths(Path("a"), 2, "image/jpeg") == [Path("a-1.jpg"), Path("a-2.jpg")]


def test_demo_flag_needs_no_key(tmp_path) -> None:
    """The real command line, as a user types it: --demo starts a private emulator."""
    env = {k: v for k, v in os.environ.items() if k not in ("XAI_API_KEY", "XAI_BASE_URL")}
    done = subprocess.run([sys.executable, "-m", "grokterm", "--demo", "image", "demo cat", "-o", "demo.jpg"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "demo.jpg").format == "JPEG"


def test_config_image_model_is_the_default(emulator, workdir, isolated_user_files, capsys) -> None:
    config = isolated_user_files / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('image_model = "grok-imagine-image-quality"\n')
    assert main(["image", "quality please", "--json", *connection(emulator)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["model"] == "grok-imagine-image-quality" and body["cost_ticks"] == 500_000_000
    assert main(["image", "override", "-m", "grok-2-image", "--json", *connection(emulator)]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == "grok-2-image"


def test_prompt_from_stdin(emulator, workdir, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a piped\nprompt\n"))
    assert main(["image", "--json", *connection(emulator)]) == 0
    assert json.loads(capsys.readouterr().out)["prompt"] == "a piped\nprompt"


def history_rows():
    from grokterm.store import Store

    with Store() as store:
        conversations = store.list_conversations()
        return [(c, store.list_messages(c.id)) for c in conversations]


def test_generations_are_kept_in_the_history(emulator, workdir, capsys) -> None:
    assert main(["image", "a kept kite", "-n", "2", "--json", *connection(emulator)]) == 0
    body = json.loads(capsys.readouterr().out)
    [(conversation, rows)] = history_rows()
    assert body["conversation_id"] == conversation.id and conversation.origin == "img"
    assert conversation.title == "a kept kite"
    assert [(r.kind, r.status) for r in rows] == [("image_prompt", "complete"), ("image", "complete")]
    assert len(rows[1].attachments) == 2 and rows[1].cost_ticks == 400_000_000
    assert main(["history", "list"]) == 0
    assert "img  a kept kite" in capsys.readouterr().out


def test_a_refusal_is_kept_and_no_save_keeps_nothing(emulator, workdir, capsys) -> None:
    assert main(["image", "refused !refuse", *connection(emulator)]) == 16
    [(_, rows)] = history_rows()
    assert rows[1].status == "failed" and "content policy" in (rows[1].error or "")
    assert main(["image", "not kept", "--no-save", *connection(emulator)]) == 0
    assert len(history_rows()) == 1


def test_pictures_survive_an_unwritable_output_in_the_history(emulator, workdir, capsys) -> None:
    assert main(["image", "x", "-o", str(workdir / "missing-dir" / "x.jpg"), *connection(emulator)]) == 17
    err = capsys.readouterr().err
    [(conversation, rows)] = history_rows()
    assert f"grokterm export {conversation.id}" in err and len(rows[1].attachments) == 1
